import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// auth: guest sign-in only, no external identity provider needed
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// catalog
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
// one Resource (kubernetes-cluster) per cluster of every ClusterMesh DNS source
backend.add(
  import(
    '@clustermesh-dns/backstage-plugin-catalog-backend-module-clustermesh-dns'
  ),
);

// permission framework
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);

// scaffolder, with the pull/merge request publishers the template uses
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitlab'));

// the Kubernetes plugin: its proxy serves the live Service check
// (clustermeshDns.sources[].liveChecks.kubernetes); no cluster is configured
backend.add(import('@backstage/plugin-kubernetes-backend'));

// actions for AI tools over MCP: clustermesh-dns:get-report
// (backend.actions.pluginSources in app-config.yaml)
backend.add(import('@backstage/plugin-mcp-actions-backend'));

backend.add(
  import('@clustermesh-dns/backstage-plugin-clustermesh-dns-backend'),
);
backend.add(
  import(
    '@clustermesh-dns/backstage-plugin-scaffolder-backend-module-clustermesh-dns'
  ),
);
backend.start();
