import { screen, waitFor, within } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import clustermeshDnsPlugin, {
  clustermeshDnsApiRef,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns';
import { features } from './App';
import { navModule } from './modules/nav';

const source = {
  id: 'example',
  title: 'Example GitOps repository',
  type: 'local' as const,
  catalog: true,
  liveChecks: { dns: false, provider: false, service: false },
};

const api: typeof clustermeshDnsApiRef.T = {
  listSources: async () => [source],
  getReport: async () => ({
    source,
    revision: 'sha256:0123456789abcdef',
    readAt: '2026-11-25T08:30:00.000Z',
    report: {
      version: 2,
      clusters: [
        {
          name: 'infra',
          dir: 'kubernetes/clusters/infra',
          entry: 'kubernetes/clusters/infra',
          membership: { member: true, reason: 'a cluster folder' },
          fqdn: {
            template: 'clustermesh-infra.${SECRET_DOMAIN}',
            resolved: 'clustermesh-infra.<secret:SECRET_DOMAIN>',
            secret: true,
            location: {
              file: 'kubernetes/clusters/infra/cluster-settings.yaml',
              line: 14,
            },
          },
          lbIp: {
            value: '10.25.11.100',
            family: 'ipv4',
            location: {
              file: 'kubernetes/clusters/infra/cluster-settings.yaml',
              line: 15,
            },
          },
          peers: { expected: 1, missing: [] },
          status: 'pass',
          counts: {
            passed: 15,
            failed: 0,
            warnings: 0,
            notApplicable: 0,
            notEvaluated: 0,
          },
          failingRules: [],
        },
      ],
      meshChecks: [],
      findings: [],
      notEvaluated: [],
      conventions: [],
      overrides: [],
      summary: {
        clusters: 1,
        passing: 1,
        warning: 0,
        failing: 0,
        notEvaluated: 0,
        outside: 0,
        errors: 0,
        warnings: 0,
        passed: 15,
        notApplicable: 0,
        unevaluated: 0,
        status: 'pass',
      },
    },
  }),
  getLiveChecks: async () => undefined,
  matchRepository: async () => ({}),
  getCluster: () => Promise.reject(new Error('not in this test')),
  getPool: () => Promise.reject(new Error('not in this test')),
  refresh: () => Promise.reject(new Error('not in this test')),
  runLiveChecks: () => Promise.reject(new Error('not in this test')),
};

describe('ClusterMesh DNS in the app', () => {
  it('labels its sidebar item with a name the open sidebar shows whole', async () => {
    renderTestApp({
      features: [clustermeshDnsPlugin, navModule],
      initialRouteEntries: ['/clustermesh-dns'],
      apis: [[clustermeshDnsApiRef, api]],
    });
    // The app may render its parts again while it loads: each check queries
    // the document as it is, and waits for its final state.
    await waitFor(() => {
      const nav = screen.getByRole('navigation', { name: 'sidebar nav' });
      const link = within(nav).getByRole('link', { name: 'Mesh DNS' });
      expect(link).toHaveAttribute('href', '/clustermesh-dns');
      // A label is cut at about 110px of bold text: 13 characters at most
      // ("ClusterMesh DNS", 15, ended in an ellipsis). The item's whole text
      // is the short label, and the long title is nowhere in the sidebar.
      expect(link.textContent).toBe('Mesh DNS');
      expect(within(nav).queryByText(/ClusterMesh/)).not.toBeInTheDocument();
      // The page keeps its full title in its header.
      expect(
        screen.getByRole('heading', { level: 1, name: 'ClusterMesh DNS' }),
      ).toBeInTheDocument();
    });
  });

  it('is one of the app features', () => {
    expect(features).toContain(clustermeshDnsPlugin);
  });

  it('has the page at /clustermesh-dns in the navigation', async () => {
    renderTestApp({
      features: [clustermeshDnsPlugin, navModule],
      initialRouteEntries: ['/clustermesh-dns'],
      apis: [[clustermeshDnsApiRef, api]],
    });
    await waitFor(() => {
      const nav = screen.getByRole('navigation', { name: 'sidebar nav' });
      expect(
        within(nav).getByRole('link', { name: 'Mesh DNS' }),
      ).toHaveAttribute('href', '/clustermesh-dns');
      expect(
        screen.getByRole('rowheader', { name: 'infra' }),
      ).toBeInTheDocument();
      expect(
        screen.getByText('clustermesh-infra.<secret:SECRET_DOMAIN>'),
      ).toBeInTheDocument();
    });
  });
});
