/* eslint-disable no-console */
// The backend of scripts/bench/report-api.mjs: the clustermesh-dns plugin
// alone, on the real backend services (auth with a static token, the
// permission service, the scheduler, the memory cache, the URL reader).
// Usage: node -r @backstage/cli/config/nodeTransform.cjs report-api-backend.ts <config.json>
import fs from 'node:fs';
import { createBackend } from '@backstage/backend-defaults';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';

const data = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const backend = createBackend();
backend.add(
  createServiceFactory({
    service: coreServices.rootConfig,
    deps: {},
    factory: () => new ConfigReader(data),
  }),
);
backend.add(
  import('@clustermesh-dns/backstage-plugin-clustermesh-dns-backend'),
);
backend.start().then(
  () => console.log('BENCH-BACKEND-READY'),
  error => {
    console.error(error);
    process.exit(1);
  },
);
