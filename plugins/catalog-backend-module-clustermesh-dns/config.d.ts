import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /** The clustermesh-dns entity provider (catalog-backend-module-clustermesh-dns). */
      clustermeshDns?: {
        /**
         * When the clusters are read from the clustermesh-dns backend
         * (default every 10 minutes, timeout 5 minutes, 30 s after start;
         * global across replicas). The sources and their `catalog` options
         * are `clustermeshDns.sources`.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
    };
  };
}
