import { HumanDuration } from '@backstage/types';
import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /** ClusterMesh DNS backend plugin and its catalog module. */
  clustermeshDns?: {
    /**
     * GitOps repositories whose ClusterMesh DNS configuration is validated
     * and served.
     */
    sources?: Array<{
      /**
       * Stable id: 1-63 lower-case letters, digits and "-". Used in URLs,
       * entity names and the catalog annotation `clustermesh-dns.io/source`.
       */
      id: string;
      /** Human title (default: the id). */
      title?: string;
      /**
       * `local`: a folder on the backend host. `url`: a repository read with
       * Backstage's URL reader (`readTree`, one archive per refresh), through
       * whatever integration the app has for its host (GitHub, GitLab,
       * Bitbucket, Azure DevOps, Gitea).
       */
      type: 'local' | 'url';
      /**
       * `local`: the folder (relative paths from the backend's working
       * directory). `url`: the repository URL, e.g.
       * `https://github.com/acme/gitops` (also `git@github.com:acme/gitops.git`).
       */
      target: string;
      /**
       * `url` only: the branch read on schedule (default: the repository's
       * default branch, which costs GitHub one more request per refresh).
       */
      branch?: string;
      /**
       * Conventions, inline (the keys of `.clustermesh-dns.yaml`). Do not put
       * secret values here: use `values`.
       */
      conventions?: { [key: string]: unknown };
      /**
       * A conventions file inside the repository (default:
       * `.clustermesh-dns.yaml` at its root, when present).
       */
      conventionsFile?: string;
      /**
       * Values the repository keeps secret (SOPS), by variable name, e.g.
       * `SECRET_DOMAIN`. The validation and the live checks resolve names
       * with them; every report, answer and log line shows
       * `<secret:NAME>` in their place (at least 4 characters each).
       * @visibility secret
       */
      values?: { [variable: string]: string };
      /** The clusters of this source in the catalog (catalog module). */
      catalog?: {
        /**
         * Emit one `Resource` of type `kubernetes-cluster` per cluster
         * (default true). With false, the module annotates the existing
         * entities of `annotate` instead.
         */
        enabled?: boolean;
        /** The entities' `spec.owner`, e.g. `group:platform-engineering`. */
        owner?: string;
        /** The entities' `spec.system`. */
        system?: string;
        /** Entity name template with `{source}` and `{cluster}` (default `{source}-{cluster}`). */
        entityName?: string;
        /**
         * With `enabled: false`: mesh cluster → an existing entity reference
         * (`resource:default/infra`) that gets the source and cluster annotations.
         */
        annotate?: { [cluster: string]: string };
      };
      /** The live checks this source can run (on request). */
      liveChecks?: {
        /** `dns-resolves` for every FQDN (default true). */
        dns?: boolean;
        /** Resolvers for this source (IP or IP:port), instead of `clustermeshDns.dns.servers`. */
        dnsServers?: string[];
        /** `provider-record`: the zone's record in Cloudflare for each FQDN. */
        cloudflare?: {
          /** The zone id (32 hexadecimal characters). */
          zoneId: string;
          /**
           * An API token with Zone.DNS read permission on the zone. Never
           * logged or echoed.
           * @visibility secret
           */
          apiToken: string;
          /** Default `https://api.cloudflare.com/client/v4`. */
          apiBaseUrl?: string;
        };
        /**
         * `service-ip-assigned`: the clustermesh-apiserver Service through the
         * Kubernetes backend plugin's proxy (`/api/kubernetes/proxy`).
         */
        kubernetes?: {
          /** Mesh cluster → the Kubernetes plugin's cluster name. */
          clusters: { [cluster: string]: string };
          /** Default `kube-system`. */
          namespace?: string;
          /** Default `clustermesh-apiserver`. */
          service?: string;
        };
      };
    }>;
    /**
     * When the sources are read again (default every 10 minutes, timeout 5
     * minutes, the first run at start). The task is global: across replicas, one of
     * them reads a source per interval.
     */
    schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    /** SCM reads. */
    readTree?: {
      /** Files larger than this many bytes are left out (default 4 MiB); binary files always are. */
      maxFileSize?: number;
    };
    /** Reports of other refs (`?ref=`), each read once. */
    refReports?: {
      /** How many are kept per backend replica (default 4; 0 reads every time). */
      max?: number;
    };
    /** Live DNS. */
    dns?: {
      /** Resolvers (IP or IP:port); default the backend host's. */
      servers?: string[];
      /** Per-query timeout (default 2 s); a server that times out once is not asked again in the run. */
      timeout?: string | HumanDuration;
      /** Queries in flight, 1-16 (default 16). */
      concurrency?: number;
    };
    /** The Kubernetes Service check. */
    kubernetes?: {
      /** Per-request timeout (default 10 s). */
      timeout?: string | HumanDuration;
    };
    /** The Cloudflare record check. */
    cloudflare?: {
      /** Per-request timeout (default 10 s). */
      timeout?: string | HumanDuration;
    };
    /** Where the engine runs. */
    validation?: {
      /**
       * Validate in a worker thread (default true), so that a big repository
       * (seconds of CPU) never blocks the backend's event loop; false: in
       * process.
       */
      worker?: boolean;
    };
    /** Benchmarks only. */
    benchmark?: {
      /**
       * Serves `GET /sources/{id}/report/constant`: the report's first bytes
       * as a constant, behind the same middleware (default false).
       */
      constantRoute?: boolean;
    };
  };
}
