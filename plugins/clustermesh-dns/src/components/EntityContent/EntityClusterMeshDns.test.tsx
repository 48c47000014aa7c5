import { screen, within } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { axe } from 'jest-axe';
import type { Entity } from '@backstage/catalog-model';
import {
  createExtensionTester,
  registerMswTestHooks,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { clustermeshDnsApiRef } from '../../api';
import { isClusterMeshDnsAvailable } from '../../annotations';
import {
  clustermeshDnsEntityCard,
  clustermeshDnsEntityContent,
} from '../../plugin';
import { rootRouteRef } from '../../routes';
import {
  clusterDetail,
  createClient,
  exampleAfterReport,
  exampleBeforeReport,
  githubRevision,
  githubSource,
  serveBackend,
} from '../../__testUtils__/backend';
import { EntityClusterMeshDnsCard } from './EntityClusterMeshDnsCard';
import { EntityClusterMeshDnsContent } from './EntityClusterMeshDnsContent';

const clusterEntity = (cluster: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: cluster,
    annotations: {
      'clustermesh-dns.io/source': githubSource.id,
      'clustermesh-dns.io/cluster': cluster,
    },
  },
  spec: { type: 'kubernetes-cluster', owner: 'platform-engineering' },
});

const plainEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'website' },
  spec: {
    type: 'website',
    owner: 'platform-engineering',
    lifecycle: 'production',
  },
};

describe('the cluster entity tab and card', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const render = (entity: Entity, element: JSX.Element) =>
    renderInTestApp(
      <EntityProvider entity={entity}>{element}</EntityProvider>,
      {
        apis: [[clustermeshDnsApiRef, createClient()]],
        mountedRoutes: { '/clustermesh-dns': rootRouteRef },
      },
    );

  it('mounts only on annotated kubernetes-cluster resources', () => {
    expect(isClusterMeshDnsAvailable(clusterEntity('infra'))).toBe(true);
    expect(isClusterMeshDnsAvailable(plainEntity)).toBe(false);
    const unannotated = {
      ...clusterEntity('infra'),
      metadata: { name: 'infra' },
    };
    expect(isClusterMeshDnsAvailable(unannotated)).toBe(false);
    const otherType = { ...clusterEntity('infra'), spec: { type: 'database' } };
    expect(isClusterMeshDnsAvailable(otherType)).toBe(false);

    const content = createExtensionTester(clustermeshDnsEntityContent).get(
      EntityContentBlueprint.dataRefs.filterFunction,
    )!;
    expect(content(clusterEntity('infra'))).toBe(true);
    expect(content(plainEntity)).toBe(false);
    expect(content(unannotated)).toBe(false);
    const card = createExtensionTester(clustermeshDnsEntityCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(card(clusterEntity('apps'))).toBe(true);
    expect(card(plainEntity)).toBe(false);
  });

  it('shows the mapping, the checks with file links and the peers of a cluster', async () => {
    const log = serveBackend(server, {
      details: {
        [`${githubSource.id}/infra`]: clusterDetail(
          githubSource,
          exampleBeforeReport,
          'infra',
        ),
      },
    });
    const { container } = render(
      clusterEntity('infra'),
      <EntityClusterMeshDnsContent />,
    );
    const checks = await screen.findByRole('table', {
      name: 'Checks of infra',
    });
    expect(log.map(r => r.path)).toEqual([
      `/sources/${githubSource.id}/clusters/infra`,
    ]);

    const tls = within(checks).getByText('tls-san').closest('tr')!;
    expect(within(tls).getByText('Fail')).toBeInTheDocument();
    expect(
      within(tls).getByText(
        'clustermesh.apiserver.tls.server.extraDnsNames is empty: the server certificate names no FQDN',
      ),
    ).toBeInTheDocument();
    expect(
      within(tls).getByRole('link', { name: /helmrelease.yaml:27/ }),
    ).toHaveAttribute(
      'href',
      `https://github.com/acme/home-ops/tree/${githubRevision}/kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml#L27`,
    );
    // The mapping: nothing set yet in the "before" repository.
    expect(screen.getByText('FQDN → IP')).toBeInTheDocument();
    expect(screen.getAllByText('not set').length).toBeGreaterThan(0);
    // The peers, and whether each knows this cluster by FQDN.
    const peers = screen.getByRole('table', { name: 'Peers of infra' });
    const apps = within(peers).getByText('apps').closest('tr')!;
    expect(
      within(apps).getByText('CILIUM_CLUSTERMESH_APPS_FQDN'),
    ).toBeInTheDocument();
    expect(within(apps).getByText('No')).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /Open in ClusterMesh DNS/ }),
    ).toHaveAttribute(
      'href',
      `/clustermesh-dns?source=${githubSource.id}&q=infra&open=${githubSource.id}%2Finfra`,
    );
    expect(await axe(container)).toHaveNoViolations();
  });

  it('shows a passing cluster whose peer knows it by FQDN', async () => {
    serveBackend(server, {
      details: {
        [`${githubSource.id}/apps`]: clusterDetail(
          githubSource,
          exampleAfterReport,
          'apps',
        ),
      },
    });
    render(clusterEntity('apps'), <EntityClusterMeshDnsContent />);
    const peers = await screen.findByRole('table', { name: 'Peers of apps' });
    expect(within(peers).getByText('Yes')).toBeInTheDocument();
    expect(
      screen.getByText('clustermesh-apps.<secret:SECRET_DOMAIN>'),
    ).toBeInTheDocument();
    expect(screen.getByText('10.25.11.120')).toBeInTheDocument();
    expect(screen.getByText('Passing')).toBeInTheDocument();
  });

  it('says when whether a cluster is in the mesh is not known', async () => {
    const reason =
      'the Cilium values read here do not enable ClusterMesh, but those from Secret kube-system/cilium-values (secret values) are not read; say it in the conventions (mesh.include or mesh.exclude)';
    const report = {
      ...exampleBeforeReport,
      clusters: exampleBeforeReport.clusters.map(c =>
        c.name === 'infra'
          ? {
              ...c,
              membership: { member: false, unknown: true as const, reason },
              // where Flux also fails on its files, its row fails: still
              // not known to be in the mesh, nor outside it
              status: 'fail' as const,
              checks: [],
            }
          : c,
      ),
    };
    serveBackend(server, {
      details: {
        [`${githubSource.id}/infra`]: clusterDetail(
          githubSource,
          report,
          'infra',
        ),
      },
    });
    render(clusterEntity('infra'), <EntityClusterMeshDnsContent />);
    expect(
      await screen.findByText(
        `Whether infra is in the mesh is not known: ${reason}`,
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText(/is outside the mesh/)).not.toBeInTheDocument();
    expect(screen.getByText(/^Not known/)).toBeInTheDocument();
  });

  it('says which annotations are missing on an entity without them, and fetches nothing', async () => {
    const log = serveBackend(server, {});
    render(plainEntity, <EntityClusterMeshDnsContent />);
    expect(
      (await screen.findAllByText(/clustermesh-dns.io\/source/)).length,
    ).toBeGreaterThan(0);
    expect(log).toHaveLength(0);
  });

  it('shows the overview card of a cluster', async () => {
    serveBackend(server, {
      details: {
        [`${githubSource.id}/apps`]: clusterDetail(
          githubSource,
          exampleAfterReport,
          'apps',
        ),
      },
    });
    const { container } = render(
      clusterEntity('apps'),
      <EntityClusterMeshDnsCard />,
    );
    expect(await screen.findByText('No failing check')).toBeInTheDocument();
    expect(
      screen.getByText('clustermesh-apps.<secret:SECRET_DOMAIN>'),
    ).toBeInTheDocument();
    expect(screen.getByText('10.25.11.120')).toBeInTheDocument();
    expect(
      screen.getByText('1 of 1 peer knows apps by FQDN'),
    ).toBeInTheDocument();
    expect(await axe(container)).toHaveNoViolations();
  });

  it('lists the failing rules on the card of a failing cluster', async () => {
    serveBackend(server, {
      details: {
        [`${githubSource.id}/infra`]: clusterDetail(
          githubSource,
          exampleBeforeReport,
          'infra',
        ),
      },
    });
    render(clusterEntity('infra'), <EntityClusterMeshDnsCard />);
    expect(
      await screen.findByText(
        /^8 failing checks: settings-present, peers-complete/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('0 of 1 peer knows infra by FQDN'),
    ).toBeInTheDocument();
    // No DNSEndpoint: no record (not the configured TTL and mode), and no
    // pool to hold an LB IP that is not set.
    expect(screen.getByText('no record')).toBeInTheDocument();
    expect(screen.queryByText(/TTL 300/)).not.toBeInTheDocument();
    expect(screen.getByText('no LB IP set')).toBeInTheDocument();
  });

  it.each([
    ['not evaluated', 'not-evaluated' as const, 'No check ran'],
    [
      'outside the mesh',
      'outside' as const,
      'No check ran: apps is outside the mesh',
    ],
  ])(
    'says no check ran on the card of a cluster %s, not that none fails',
    async (_, status, text) => {
      const report = {
        ...exampleAfterReport,
        clusters: exampleAfterReport.clusters.map(c =>
          c.name === 'apps'
            ? {
                ...c,
                status,
                checks: c.checks.map(check => ({
                  ...check,
                  outcome: 'not-evaluated' as const,
                })),
              }
            : c,
        ),
      };
      serveBackend(server, {
        details: {
          [`${githubSource.id}/apps`]: clusterDetail(
            githubSource,
            status === 'outside'
              ? {
                  ...report,
                  clusters: report.clusters.map(c =>
                    c.name === 'apps' ? { ...c, checks: [] } : c,
                  ),
                }
              : report,
            'apps',
          ),
        },
      });
      render(clusterEntity('apps'), <EntityClusterMeshDnsCard />);
      expect(await screen.findByText(text)).toBeInTheDocument();
      expect(screen.queryByText('No failing check')).not.toBeInTheDocument();
    },
  );

  it('shows the card of an entity without annotations as missing them', async () => {
    render(plainEntity, <EntityClusterMeshDnsCard />);
    expect(
      (await screen.findAllByText(/clustermesh-dns.io\/cluster/)).length,
    ).toBeGreaterThan(0);
  });
});
