import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { ClusterMeshDnsClient } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clustermeshDnsApiRef } from '../../api';
import { ClusterMeshDnsPage } from './ClusterMeshDnsPage';

const base = 'http://localhost:7007/api/clustermesh-dns';

const cluster = (name: string, ip: string, status: 'pass' | 'fail') => ({
  name,
  dir: `kubernetes/clusters/${name}`,
  fqdn: {
    template: `clustermesh-${name}.\${SECRET_DOMAIN}`,
    resolved: `clustermesh-${name}.<secret:SECRET_DOMAIN>`,
    secret: true,
    location: {
      file: `kubernetes/clusters/${name}/cluster-settings.yaml`,
      line: 14,
    },
  },
  lbIp: { value: ip, family: 'ipv4', location: { file: 'x', line: 1 } },
  pool: {
    name: `lb-ippool-${name}`,
    block: '10.25.11.100-10.25.11.119',
    location: { file: 'x', line: 1 },
  },
  record: { type: 'A', ttl: 300, mode: 'externaldns' },
  peers: [],
  status,
  counts: {
    passed: status === 'pass' ? 15 : 12,
    failed: status === 'pass' ? 0 : 3,
    warnings: 0,
    skipped: 0,
  },
  checks: [],
});

describe('ClusterMeshDnsPage', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const renderPage = () =>
    renderInTestApp(
      <TestApiProvider
        apis={[
          [
            clustermeshDnsApiRef,
            new ClusterMeshDnsClient({
              discoveryApi: { getBaseUrl: async () => base },
              fetchApi: { fetch: (...args) => fetch(...args) },
            }),
          ],
        ]}
      >
        <ClusterMeshDnsPage />
      </TestApiProvider>,
    );

  it('lists every cluster with its FQDN, LB IP and a worded status', async () => {
    server.use(
      http.get(`${base}/sources`, () =>
        HttpResponse.json({
          items: [{ id: 'example', title: 'Example repo', type: 'local' }],
        }),
      ),
      http.get(`${base}/sources/example/report`, () =>
        HttpResponse.json({
          source: { id: 'example', title: 'Example repo', type: 'local' },
          readAt: '2026-11-25T00:00:00.000Z',
          report: {
            version: 1,
            clusters: [
              cluster('apps', '10.25.11.120', 'pass'),
              cluster('infra', '10.25.11.100', 'fail'),
            ],
            meshChecks: [],
            findings: [],
            notEvaluated: [],
            summary: {
              clusters: 2,
              errors: 3,
              warnings: 0,
              passed: 27,
              skipped: 0,
              notEvaluated: 0,
              status: 'fail',
            },
          },
        }),
      ),
    );
    await renderPage();
    expect(await screen.findByText('Example repo')).toBeInTheDocument();
    expect(
      screen.getByText('clustermesh-infra.<secret:SECRET_DOMAIN>'),
    ).toBeInTheDocument();
    expect(screen.getByText('10.25.11.120')).toBeInTheDocument();
    expect(screen.getByText('Valid')).toBeInTheDocument();
    expect(screen.getByText('Invalid')).toBeInTheDocument();
  });

  it('shows why a source cannot be read', async () => {
    server.use(
      http.get(`${base}/sources`, () =>
        HttpResponse.json({
          items: [{ id: 'gone', title: 'Gone', type: 'local' }],
        }),
      ),
      http.get(`${base}/sources/gone/report`, () =>
        HttpResponse.json({
          source: { id: 'gone', title: 'Gone', type: 'local' },
          stale: {
            error: '/srv/gone is not a readable directory',
            since: '2026-11-25T00:00:00.000Z',
          },
        }),
      ),
    );
    await renderPage();
    expect(await screen.findByText(/Gone cannot be read/)).toBeInTheDocument();
    expect(
      screen.getAllByText(/\/srv\/gone is not a readable directory/).length,
    ).toBeGreaterThan(0);
  });

  it('explains an empty configuration', async () => {
    server.use(
      http.get(`${base}/sources`, () => HttpResponse.json({ items: [] })),
    );
    await renderPage();
    expect(
      await screen.findByText('No GitOps repository configured'),
    ).toBeInTheDocument();
  });
});
