import { act, screen, within, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { axe } from 'jest-axe';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ClusterMeshDnsClient } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clustermeshDnsApiRef } from '../../api';
import { scaffolderTemplateRouteRef } from '../../routes';
import {
  baseUrl,
  clusterDetail,
  createClient,
  exampleAfterReport,
  exampleBeforeReport,
  exampleBeforeSource,
  exampleSource,
  githubRevision,
  githubSource,
  gitlabRevision,
  gitlabSource,
  largeReport,
  serveBackend,
  sourceReport,
} from '../../__testUtils__/backend';
import {
  currentQuery,
  LocationDisplay,
} from '../../__testUtils__/LocationDisplay';
import { ClusterMeshDnsPage } from './ClusterMeshDnsPage';

describe('ClusterMeshDnsPage', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  const renderPage = (
    options: {
      url?: string;
      scaffolder?: boolean;
    } = {},
  ) =>
    renderInTestApp(
      <>
        <ClusterMeshDnsPage />
        <LocationDisplay />
      </>,
      {
        initialRouteEntries: [options.url ?? '/clustermesh-dns'],
        apis: [
          [clustermeshDnsApiRef, createClient()],
          mockApis.permission({ authorize: AuthorizeResult.ALLOW }),
        ],
        mountedRoutes: options.scaffolder
          ? {
              '/create/templates/:namespace/:templateName':
                scaffolderTemplateRouteRef,
            }
          : undefined,
      },
    );

  const table = () => screen.findByRole('table', { name: 'Clusters' });
  const bodyRows = (t: HTMLElement) =>
    within(t)
      .getAllByRole('row')
      .slice(1)
      .filter(r => within(r).queryByRole('rowheader'));
  const rowOf = async (cluster: string) => {
    const t = await table();
    const header = within(t).getByRole('rowheader', { name: cluster });
    return header.closest('tr') as HTMLElement;
  };
  const location = () => screen.getByTestId('location');
  /** The cell of a row under a column heading. */
  const cellOf = (row: HTMLElement, column: string) => {
    const heads = within(row.closest('table')!).getAllByRole('columnheader');
    const index = heads.findIndex(h => h.textContent?.startsWith(column));
    expect(index).toBeGreaterThanOrEqual(0);
    return row.children[index] as HTMLElement;
  };

  it('shows both example clusters with their FQDN → IP mapping, pool, record and a worded status', async () => {
    serveBackend(server, {
      sources: [exampleSource],
      reports: { example: sourceReport(exampleSource, exampleAfterReport) },
    });
    renderPage();

    const infra = await rowOf('infra');
    expect(
      within(infra).getByText('clustermesh-infra.<secret:SECRET_DOMAIN>'),
    ).toBeInTheDocument();
    expect(
      within(infra).getByText('as written: clustermesh-infra.${SECRET_DOMAIN}'),
    ).toBeInTheDocument();
    expect(within(infra).getByText('10.25.11.100')).toBeInTheDocument();
    expect(within(infra).getByText('lb-ippool-infra')).toBeInTheDocument();
    expect(cellOf(infra, 'DNS record')).toHaveTextContent(
      'A · TTL 300 · ExternalDNS',
    );
    expect(within(infra).getByText('Passing')).toBeInTheDocument();
    expect(within(infra).getByText('Not run')).toBeInTheDocument();

    const apps = await rowOf('apps');
    expect(
      within(apps).getByText('clustermesh-apps.<secret:SECRET_DOMAIN>'),
    ).toBeInTheDocument();
    expect(within(apps).getByText('10.25.11.120')).toBeInTheDocument();
    expect(
      within(apps).getByText('10.25.11.120-10.25.11.139'),
    ).toBeInTheDocument();

    // The statuses come right after the cluster, so that they show even
    // when a narrow window scrolls the table.
    expect(
      within(await table())
        .getAllByRole('columnheader')
        .map(h => h.textContent),
    ).toEqual([
      'Checks',
      'Cluster',
      'Declared',
      'Live',
      'FQDN',
      'LB IP',
      'Pool',
      'DNS record',
    ]);
    // Long names wrap at their dots (and ranges at their dash), not
    // anywhere: a line-break opportunity after each, the text unchanged.
    const fqdn = within(cellOf(infra, 'FQDN')).getByText(
      'clustermesh-infra.<secret:SECRET_DOMAIN>',
    );
    expect(
      [...fqdn.childNodes].map(n =>
        n.nodeName === 'WBR' ? '|' : n.textContent,
      ),
    ).toEqual(['clustermesh-infra.', '|', '<secret:', '|', 'SECRET_DOMAIN>']);
    expect(
      within(apps)
        .getByText('10.25.11.120-10.25.11.139')
        .querySelectorAll('wbr'),
    ).toHaveLength(1);
    // The record wraps between its parts, each kept whole.
    expect(
      [...cellOf(infra, 'DNS record').querySelectorAll('span')].map(
        span => span.textContent,
      ),
    ).toEqual(['A', 'TTL 300', 'ExternalDNS']);

    // The summary of the source.
    expect(screen.getByText(exampleSource.title)).toBeInTheDocument();
    expect(screen.getByTestId('summary-clusters')).toHaveTextContent('2');
    expect(screen.getByTestId('summary-pass')).toHaveTextContent('2');
    expect(screen.getByTestId('summary-fail')).toHaveTextContent('0');
    expect(screen.getByText('sha256:5d414')).toBeInTheDocument();
  });

  const beforeBackend = (extra: Parameters<typeof serveBackend>[1] = {}) =>
    serveBackend(server, {
      sources: [exampleBeforeSource],
      reports: {
        'example-before': sourceReport(
          exampleBeforeSource,
          exampleBeforeReport,
        ),
      },
      details: {
        'example-before/infra': clusterDetail(
          exampleBeforeSource,
          exampleBeforeReport,
          'infra',
        ),
        'example-before/apps': clusterDetail(
          exampleBeforeSource,
          exampleBeforeReport,
          'apps',
        ),
      },
      ...extra,
    });

  it('fetches a cluster only when its row expands, then shows each check with its message and file:line as text for a local source', async () => {
    const log = beforeBackend();
    renderPage();
    const infra = await rowOf('infra');
    expect(within(infra).getByText('Failing')).toBeInTheDocument();
    expect(within(infra).getAllByText('not set')).toHaveLength(2);
    // No DNSEndpoint: no record, not the configured defaults as if one.
    expect(cellOf(infra, 'DNS record')).toHaveTextContent(/^no record$/);
    expect(cellOf(infra, 'Pool')).toHaveTextContent(/^no LB IP$/);
    expect(log.some(r => r.path.includes('/clusters/'))).toBe(false);

    await userEvent.click(
      within(infra).getByRole('button', { name: 'Show the checks of infra' }),
    );
    const checks = await screen.findByRole('table', {
      name: 'Checks of infra',
    });
    expect(
      log.filter(r => r.path.includes('/clusters/')).map(r => r.path),
    ).toEqual(['/sources/example-before/clusters/infra']);
    const settings = within(checks)
      .getByText('settings-present')
      .closest('tr')!;
    expect(within(settings).getByText('Fail')).toBeInTheDocument();
    expect(
      within(settings).getByText(
        'CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP are not set in ConfigMap flux-system/cluster-settings',
      ),
    ).toBeInTheDocument();
    expect(
      within(settings).getByText(
        'kubernetes/clusters/infra/cluster-settings.yaml:10',
      ),
    ).toBeInTheDocument();
    expect(within(settings).queryByRole('link')).not.toBeInTheDocument();
    // Not evaluated says so, in words.
    const fqdnValid = within(checks).getByText('fqdn-valid').closest('tr')!;
    expect(within(fqdnValid).getByText('Not evaluated')).toBeInTheDocument();
    expect(
      within(fqdnValid).getByText('CILIUM_CLUSTERMESH_FQDN is not set'),
    ).toBeInTheDocument();
    // The URL remembers the expanded row.
    expect(currentQuery(location()).get('open')).toBe('example-before/infra');
  });

  it.each([
    [
      'GitHub',
      githubSource,
      githubRevision,
      `https://github.com/acme/home-ops/tree/${githubRevision}/kubernetes/clusters/apps/cluster-settings.yaml#L10`,
    ],
    [
      'GitLab',
      gitlabSource,
      gitlabRevision,
      `https://gitlab.com/acme/infra/platform/-/tree/${gitlabRevision}/kubernetes/clusters/apps/cluster-settings.yaml#L10`,
    ],
  ])(
    'links a failing check to its file and line on %s at the revision read',
    async (_, source, revision, href) => {
      serveBackend(server, {
        sources: [source],
        reports: { [source.id]: sourceReport(source, exampleBeforeReport) },
        details: {
          [`${source.id}/apps`]: clusterDetail(
            source,
            exampleBeforeReport,
            'apps',
            { revision },
          ),
        },
      });
      renderPage();
      await userEvent.click(
        within(await rowOf('apps')).getByRole('button', {
          name: 'Show the checks of apps',
        }),
      );
      const checks = await screen.findByRole('table', {
        name: 'Checks of apps',
      });
      const settings = within(checks)
        .getByText('settings-present')
        .closest('tr')!;
      expect(
        within(settings).getByText(
          'CILIUM_CLUSTERMESH_FQDN and CILIUM_CLUSTERMESH_LB_IP are not set in ConfigMap flux-system/cluster-settings',
        ),
      ).toBeInTheDocument();
      expect(
        within(settings).getByRole('link', {
          name: /^kubernetes\/clusters\/apps\/cluster-settings.yaml:10/,
        }),
      ).toHaveAttribute('href', href);
    },
  );

  it('says when one cause affects several clusters, and links to them', async () => {
    const finding = {
      id: 'substitution-failed:SECRET_DOMAIN',
      code: 'substitution-failed' as const,
      severity: 'error' as const,
      message: 'SECRET_DOMAIN is not defined for the cluster Kustomization',
      location: {
        file: 'kubernetes/clusters/infra/infrastructure.yaml',
        line: 12,
      },
      affects: {
        count: 4,
        clusters: ['apps', 'infra'],
        examples: [
          {
            location: {
              file: 'kubernetes/clusters/apps/cluster-settings.yaml',
              line: 14,
            },
            what: 'CILIUM_CLUSTERMESH_FQDN',
          },
        ],
      },
    };
    const report = {
      ...exampleBeforeReport,
      findings: [finding],
      clusters: exampleBeforeReport.clusters.map(c => ({
        ...c,
        checks: c.checks.map(check =>
          check.ruleId === 'substitution-complete'
            ? {
                ...check,
                outcome: 'fail' as const,
                severity: 'error' as const,
                message: 'SECRET_DOMAIN is left unresolved',
                cause: finding.id,
              }
            : check,
        ),
      })),
    };
    beforeBackend({
      details: {
        'example-before/infra': clusterDetail(
          exampleBeforeSource,
          report,
          'infra',
        ),
      },
    });
    renderPage();
    await userEvent.click(
      within(await rowOf('infra')).getByRole('button', {
        name: 'Show the checks of infra',
      }),
    );
    const checks = await screen.findByRole('table', {
      name: 'Checks of infra',
    });
    const row = within(checks)
      .getByText('substitution-complete')
      .closest('tr')!;
    expect(
      within(row).getByText(/Cause: SECRET_DOMAIN is not defined/),
    ).toBeInTheDocument();
    expect(
      within(row).getByText(/This cause affects 4 places in 2 clusters/),
    ).toBeInTheDocument();
    const apps = within(row).getByRole('link', { name: 'Show cluster apps' });
    expect(apps.getAttribute('href')).toContain('q=apps');
    expect(apps.getAttribute('href')).toContain('open=example-before%2Fapps');
    expect(
      within(row).getByRole('link', { name: 'Show cluster infra' }),
    ).toBeInTheDocument();

    // Following the link shows that cluster, expanded.
    await userEvent.click(apps);
    await waitFor(() =>
      expect(
        bodyRows(screen.getByRole('table', { name: 'Clusters' })),
      ).toHaveLength(1),
    );
    expect(currentQuery(location()).get('q')).toBe('apps');
  });

  it('filters by status and searches by cluster, FQDN or IP, and keeps both in the URL', async () => {
    serveBackend(server, {
      sources: [exampleSource, exampleBeforeSource],
      reports: {
        example: sourceReport(exampleSource, exampleAfterReport),
        'example-before': sourceReport(
          exampleBeforeSource,
          exampleBeforeReport,
        ),
      },
    });
    renderPage();
    await screen.findByText('4 clusters');
    expect(bodyRows(await table())).toHaveLength(4);

    await userEvent.click(screen.getByRole('button', { name: 'Failing (2)' }));
    expect(screen.getByRole('button', { name: 'Failing (2)' })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    expect(screen.getByText('2 of 4 clusters')).toBeInTheDocument();
    expect(currentQuery(location()).get('status')).toBe('fail');
    for (const row of bodyRows(await table()))
      expect(within(row).getByText('Failing')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Failing (2)' }));
    await userEvent.type(
      screen.getByRole('searchbox', { name: 'Search clusters, FQDNs or IPs' }),
      '10.25.11.12',
    );
    expect(currentQuery(location()).get('q')).toBe('10.25.11.12');
    expect(currentQuery(location()).get('status')).toBeNull();
    // Only the "after" apps has an address in 10.25.11.12x.
    const rows = bodyRows(await table());
    expect(rows).toHaveLength(1);
    expect(within(rows[0]).getByText('10.25.11.120')).toBeInTheDocument();

    await userEvent.clear(
      screen.getByRole('searchbox', { name: 'Search clusters, FQDNs or IPs' }),
    );
    await userEvent.type(
      screen.getByRole('searchbox', { name: 'Search clusters, FQDNs or IPs' }),
      'clustermesh-infra',
    );
    expect(bodyRows(await table())).toHaveLength(1);

    await userEvent.selectOptions(
      screen.getByRole('combobox', { name: 'Failing rule' }),
      'tls-san',
    );
    expect(currentQuery(location()).get('rule')).toBe('tls-san');
    expect(
      screen.getByText('No cluster matches the filters'),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getAllByRole('button', { name: 'Clear filters' })[0],
    );
    expect(await screen.findByText('4 clusters')).toBeInTheDocument();
    expect(currentQuery(location()).toString()).toBe('');
  });

  it('sorts by any column, in the URL', async () => {
    serveBackend(server, {
      sources: [exampleSource],
      reports: { example: sourceReport(exampleSource, exampleAfterReport) },
    });
    renderPage();
    const names = async () =>
      bodyRows(await table()).map(
        r => within(r).getByRole('rowheader').textContent,
      );
    expect(await names()).toEqual(['apps', 'infra']);
    await userEvent.click(screen.getByRole('button', { name: 'LB IP' }));
    expect(await names()).toEqual(['infra', 'apps']);
    expect(currentQuery(location()).get('sort')).toBe('ip');
    await userEvent.click(screen.getByRole('button', { name: 'LB IP' }));
    expect(await names()).toEqual(['apps', 'infra']);
    expect(currentQuery(location()).get('dir')).toBe('desc');
    expect(screen.getByRole('columnheader', { name: 'LB IP' })).toHaveAttribute(
      'aria-sort',
      'descending',
    );
    for (const column of [
      'Cluster',
      'FQDN',
      'Pool',
      'DNS record',
      'Declared',
      'Live',
    ])
      expect(screen.getByRole('button', { name: column })).toBeInTheDocument();
  });

  it('restores filters, search, sort and expanded rows from a URL', async () => {
    const log = serveBackend(server, {
      sources: [exampleSource, exampleBeforeSource],
      reports: {
        example: sourceReport(exampleSource, exampleAfterReport),
        'example-before': sourceReport(
          exampleBeforeSource,
          exampleBeforeReport,
        ),
      },
      details: {
        'example-before/apps': clusterDetail(
          exampleBeforeSource,
          exampleBeforeReport,
          'apps',
        ),
      },
    });
    renderPage({
      url: '/clustermesh-dns?q=apps&status=fail&open=example-before/apps',
    });
    expect(await screen.findByText('1 of 4 clusters')).toBeInTheDocument();
    expect(
      screen.getByRole('searchbox', { name: 'Search clusters, FQDNs or IPs' }),
    ).toHaveValue('apps');
    expect(screen.getByRole('button', { name: 'Failing (2)' })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    expect(
      screen.getByRole('button', { name: /Hide the checks of apps/ }),
    ).toHaveAttribute('aria-expanded', 'true');
    expect(
      await screen.findByRole('table', { name: 'Checks of apps' }),
    ).toBeInTheDocument();
    expect(log.filter(r => r.path.includes('/clusters/'))).toHaveLength(1);
  });

  it('reads the repository sources at the ref of the URL, and the ref field changes it', async () => {
    const log = serveBackend(server, {
      sources: [githubSource, exampleSource],
      reports: {
        [githubSource.id]: ({ ref }) =>
          sourceReport(
            githubSource,
            ref ? exampleAfterReport : exampleBeforeReport,
            { ref },
          ),
        example: sourceReport(exampleSource, exampleAfterReport),
      },
    });
    renderPage({ url: '/clustermesh-dns?ref=clustermesh-dns' });
    await screen.findByText('4 clusters');
    const reports = log.filter(r => r.path.endsWith('/report'));
    expect(reports.find(r => r.path.includes(githubSource.id))?.ref).toBe(
      'clustermesh-dns',
    );
    expect(
      reports.find(r => r.path.includes('/example/'))?.ref,
    ).toBeUndefined();
    expect(
      screen.getByText(/A local folder has no branches or tags/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('textbox', { name: 'Branch, tag or commit' }),
    ).toHaveValue('clustermesh-dns');

    const field = screen.getByRole('textbox', {
      name: 'Branch, tag or commit',
    });
    await userEvent.clear(field);
    await userEvent.type(field, 'v1.2.0');
    await userEvent.click(screen.getByRole('button', { name: 'Show ref' }));
    expect(currentQuery(location()).get('ref')).toBe('v1.2.0');
    await waitFor(() =>
      expect(
        log.some(r => r.path.includes(githubSource.id) && r.ref === 'v1.2.0'),
      ).toBe(true),
    );
  });

  it('marks a stale report with the error and since when, and a source never read as unreadable', async () => {
    serveBackend(server, {
      sources: [githubSource, exampleSource],
      reports: {
        [githubSource.id]: sourceReport(githubSource, exampleAfterReport, {
          stale: {
            error: 'GET https://github.com/acme/home-ops: 401 Bad credentials',
            since: '2026-11-24T10:00:00.000Z',
          },
        }),
        example: sourceReport(exampleSource, undefined, {
          readAt: undefined,
          revision: undefined,
          stale: {
            error: '/srv/gitops is not a readable directory',
            since: '2026-11-24T10:00:00.000Z',
          },
        }),
      },
    });
    renderPage();
    expect(
      await screen.findByText(/Stale report: the last read failed/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /Reading has failed since .*: GET https:\/\/github.com\/acme\/home-ops: 401 Bad credentials/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(`Error: ${exampleSource.title} cannot be read`),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/\/srv\/gitops is not a readable directory/),
    ).toBeInTheDocument();
    // The stale report's clusters are still listed.
    expect(await screen.findByText('2 clusters')).toBeInTheDocument();
  });

  it('shows an error when the sources cannot be listed, and when one report cannot be loaded', async () => {
    serveBackend(server, {
      sources: HttpResponse.json(
        { error: { name: 'Error', message: 'backend down' } },
        { status: 503 },
      ),
    });
    const { unmount } = renderPage();
    expect((await screen.findAllByText(/backend down/)).length).toBeGreaterThan(
      0,
    );
    expect(
      screen.getByText(/The ClusterMesh DNS sources cannot be loaded/),
    ).toBeInTheDocument();
    unmount();

    serveBackend(server, {
      sources: [exampleSource, exampleBeforeSource],
      reports: { example: sourceReport(exampleSource, exampleAfterReport) },
    });
    renderPage();
    expect(
      (await screen.findAllByText(/no source example-before/)).length,
    ).toBeGreaterThan(0);
    expect(screen.getByText(/cannot be loaded/)).toBeInTheDocument();
    expect(await screen.findByText('2 clusters')).toBeInTheDocument();
  });

  it('explains an empty configuration and a source without clusters', async () => {
    serveBackend(server, { sources: [] });
    const { unmount } = renderPage();
    expect(
      await screen.findByText('No GitOps repository configured'),
    ).toBeInTheDocument();
    unmount();

    serveBackend(server, {
      sources: [exampleSource],
      reports: {
        example: sourceReport(exampleSource, {
          ...exampleAfterReport,
          clusters: [],
          summary: { ...exampleAfterReport.summary, clusters: 0, passing: 0 },
        }),
      },
    });
    renderPage();
    expect(await screen.findByText('No clusters found')).toBeInTheDocument();
  });

  it('runs the live checks (with the permission) and shows their outcome', async () => {
    const backend = {
      sources: [exampleSource],
      reports: { example: sourceReport(exampleSource, exampleAfterReport) },
      runLive: {
        example: {
          sourceId: 'example',
          ranAt: '2026-11-25T09:00:00.000Z',
          results: [
            {
              check: 'dns-resolves' as const,
              cluster: 'infra',
              outcome: 'fail' as const,
              message: 'clustermesh-infra.example.com has no A record',
            },
            {
              check: 'dns-resolves' as const,
              cluster: 'apps',
              outcome: 'pass' as const,
              message: 'resolves to 10.25.11.120',
            },
          ],
          status: { infra: 'fail' as const, apps: 'pass' as const },
        },
      },
    };
    const log = serveBackend(server, backend);
    renderPage();
    await screen.findByText('2 clusters');
    await userEvent.click(
      await screen.findByRole('button', {
        name: `Run live checks for ${exampleSource.title}`,
      }),
    );
    expect(await screen.findByText(/Live checks ran/)).toBeInTheDocument();
    expect(
      log.some(r => r.method === 'POST' && r.path === '/sources/example/live'),
    ).toBe(true);
    expect(
      within(await rowOf('infra')).getByText('Failing'),
    ).toBeInTheDocument();
    expect(within(await rowOf('apps')).getAllByText('Passing')).toHaveLength(2);
  });

  it("shows a source's overall status, failing on its own findings, and the severity of each finding", async () => {
    // Every cluster passes; the report fails on a source-level finding.
    const report = {
      ...exampleAfterReport,
      findings: [
        {
          id: 'kustomize-error:1',
          code: 'kustomize-error' as const,
          severity: 'error' as const,
          message: 'refers to the component ../x, which is not a directory',
          location: { file: 'kubernetes/apps/kustomization.yaml', line: 3 },
        },
        {
          id: 'flux-error:1',
          code: 'flux-error' as const,
          severity: 'warning' as const,
          message: 'HelmRelease podinfo has no chart version',
          location: { file: 'kubernetes/apps/podinfo.yaml', line: 9 },
        },
        {
          id: 'not-evaluated:1',
          code: 'not-evaluated' as const,
          severity: 'info' as const,
          message: 'the Kustomization uses `components` from an OCI source',
          unlocated: 'made outside the repository',
        },
      ],
      summary: {
        ...exampleAfterReport.summary,
        errors: 1,
        warnings: 1,
        unevaluated: 1,
        status: 'fail' as const,
      },
    };
    serveBackend(server, {
      sources: [exampleSource],
      reports: { example: sourceReport(exampleSource, report) },
    });
    renderPage();
    const status = await screen.findByTestId('summary-status');
    expect(status).toHaveTextContent('Overall: Failing');
    expect(status).toHaveTextContent('1 error · 1 warning · 1 not evaluated');
    expect(within(status).getByTestId('status-error')).toBeInTheDocument();
    // No cluster fails: the overall status says the report does.
    expect(screen.getByTestId('summary-fail')).toHaveTextContent('0');

    const findings = screen
      .getByRole('heading', { name: 'Findings' })
      .parentElement!.querySelectorAll('li');
    expect([...findings].map(li => li.textContent)).toEqual([
      expect.stringMatching(/^Error ?refers to the component/),
      expect.stringMatching(/^Warning ?HelmRelease podinfo/),
      expect.stringMatching(
        /^Not evaluated ?the Kustomization uses components/,
      ),
    ]);
    expect(within(findings[0]).getByTestId('status-error')).toBeInTheDocument();
    expect(
      within(findings[1]).getByTestId('status-warning'),
    ).toBeInTheDocument();
    expect(within(findings[2]).getByText('components').tagName).toBe('CODE');
  });

  it('refreshes a source on demand', async () => {
    const log = serveBackend(server, {
      sources: [exampleSource],
      reports: { example: sourceReport(exampleSource, exampleAfterReport) },
    });
    renderPage();
    await screen.findByText('2 clusters');
    await userEvent.click(
      screen.getByRole('button', { name: `Refresh ${exampleSource.title}` }),
    );
    await waitFor(() =>
      expect(
        log.some(
          r => r.method === 'POST' && r.path === '/sources/example/refresh',
        ),
      ).toBe(true),
    );
  });

  it('says when a refresh found the source unchanged, and when it checked', async () => {
    // Only the clock is fake, and it stands still: timers, microtasks and
    // the scheduler stay real, so msw, React and waitFor run as usual.
    const checkedTime = '2026-11-25T09:15:00.000Z';
    jest.useFakeTimers({
      now: new Date(checkedTime),
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    const first = sourceReport(githubSource, exampleAfterReport);
    let answer = first;
    serveBackend(server, {
      sources: [githubSource],
      reports: { [githubSource.id]: () => answer },
    });
    renderPage();
    await screen.findByText('2 clusters');
    const revisionLine = () =>
      screen.getByText(/^main at/).closest('p') as HTMLElement;
    const times = () =>
      [...revisionLine().querySelectorAll('time')].map(t =>
        t.getAttribute('datetime'),
      );
    const refresh = () =>
      userEvent.click(
        screen.getByRole('button', { name: `Refresh ${githubSource.title}` }),
      );
    expect(times()).toEqual([first.readAt]);
    expect(revisionLine()).not.toHaveTextContent(/unchanged/);

    // Unchanged: the backend answers the report it had, read at first.
    await refresh();
    await waitFor(() =>
      expect(revisionLine()).toHaveTextContent(/· unchanged when checked/),
    );
    expect(times()).toEqual([first.readAt, checkedTime]);

    // Changed: a new read, said as such.
    answer = sourceReport(githubSource, exampleAfterReport, {
      revision: 'b'.repeat(40),
      readAt: '2026-11-26T09:00:00.000Z',
    });
    await refresh();
    await waitFor(() => expect(times()).toEqual(['2026-11-26T09:00:00.000Z']));
    expect(revisionLine()).not.toHaveTextContent(/unchanged/);

    // The read failed: the same report, stale, is not "unchanged".
    answer = {
      ...answer,
      stale: { error: 'GET: 502', since: '2026-11-26T10:00:00.000Z' },
    };
    await refresh();
    expect(
      await screen.findByText(/Stale report: the last read failed/),
    ).toBeInTheDocument();
    expect(revisionLine()).not.toHaveTextContent(/unchanged/);
  });

  it('drops the answer of a refresh that the user outran by asking for another ref', async () => {
    const tagged = sourceReport(githubSource, exampleAfterReport, {
      ref: 'v1.2.0',
      revision: 'c'.repeat(40),
    });
    const log = serveBackend(server, {
      sources: [githubSource],
      reports: {
        [githubSource.id]: ({ ref }) =>
          ref === 'v1.2.0'
            ? tagged
            : sourceReport(githubSource, exampleAfterReport),
      },
    });
    // The refresh of the configured branch answers only when let go, with
    // a new read of the branch.
    let letGo!: () => void;
    const held = new Promise<void>(resolve => {
      letGo = resolve;
    });
    server.use(
      http.post(`${baseUrl}/sources/:id/refresh`, async () => {
        await held;
        return HttpResponse.json(
          sourceReport(githubSource, exampleAfterReport, {
            revision: 'd'.repeat(40),
            readAt: '2026-11-26T09:00:00.000Z',
          }),
        );
      }),
    );
    const refreshes = jest.spyOn(ClusterMeshDnsClient.prototype, 'refresh');
    renderPage();
    await screen.findByText('2 clusters');
    await userEvent.click(
      screen.getByRole('button', { name: `Refresh ${githubSource.title}` }),
    );
    expect(refreshes).toHaveBeenCalledTimes(1);

    // While it runs, the user asks for a tag, and its report shows.
    const field = screen.getByRole('textbox', {
      name: 'Branch, tag or commit',
    });
    await userEvent.clear(field);
    await userEvent.type(field, 'v1.2.0');
    await userEvent.click(screen.getByRole('button', { name: 'Show ref' }));
    const revisionLine = () =>
      screen.getByText(/^v1\.2\.0 at/).closest('p') as HTMLElement;
    await waitFor(() =>
      expect(revisionLine()).toHaveTextContent('v1.2.0 at cccccccccccc'),
    );
    expect(
      log.some(r => r.path.includes(githubSource.id) && r.ref === 'v1.2.0'),
    ).toBe(true);

    // The branch's late answer does not replace the tag's report.
    letGo();
    await act(async () => {
      await refreshes.mock.results[0].value;
      await new Promise(resolve => setTimeout(resolve, 50));
    });
    expect(revisionLine()).toHaveTextContent('v1.2.0 at cccccccccccc');
    expect(screen.queryByText(/^main at/)).not.toBeInTheDocument();
    expect(screen.queryByText('dddddddddddd')).not.toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: `Refresh ${githubSource.title}` }),
    ).toBeEnabled();
  });

  it('disables the live checks of a source without a report, and says why', async () => {
    const unloaded = { ...exampleSource, id: 'unloaded', title: 'unloaded' };
    serveBackend(server, {
      sources: [githubSource, exampleSource, unloaded],
      reports: {
        [githubSource.id]: sourceReport(githubSource, exampleAfterReport),
        // never read: nothing to check against
        example: sourceReport(exampleSource, undefined, {
          readAt: undefined,
          revision: undefined,
          stale: {
            error: '/srv/gitops is not a readable directory',
            since: '2026-11-24T10:00:00.000Z',
          },
        }),
        // and no answer for `unloaded`: its report cannot be loaded
      },
    });
    renderPage();
    const liveButton = (title: string) =>
      screen.getByRole('button', { name: `Run live checks for ${title}` });
    // Each source loads on its own, and a button is disabled (without a
    // reason) while its source loads: wait for every source's final state.
    const neverReason = `Live checks need a report to check against: ${exampleSource.title} has none, it cannot be read.`;
    const failedReason =
      'Live checks need a report to check against: unloaded has none, its report cannot be loaded.';
    await waitFor(() => {
      expect(liveButton(githubSource.title)).toBeEnabled();
      expect(liveButton(exampleSource.title)).toHaveAccessibleDescription(
        neverReason,
      );
      expect(liveButton(unloaded.title)).toHaveAccessibleDescription(
        failedReason,
      );
    });

    const never = liveButton(exampleSource.title);
    expect(never).toBeDisabled();
    expect(never).toHaveAccessibleDescription(neverReason);
    await userEvent.hover(never.parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      `Live checks need a report to check against: ${exampleSource.title} has none`,
    );
    await userEvent.unhover(never.parentElement!);

    const failed = liveButton(unloaded.title);
    expect(failed).toBeDisabled();
    expect(failed).toHaveAccessibleDescription(failedReason);
    // once loaded, the source with a report can run them
    expect(liveButton(githubSource.title)).toBeEnabled();
  });

  it('opens the template in the DNS mode the report says', async () => {
    const manualSource = {
      ...githubSource,
      id: 'manual-ops',
      title: 'manual-ops on GitHub',
    };
    const recordsIn = (mode: 'externaldns' | 'manual') =>
      exampleAfterReport.clusters.map(c => ({
        ...c,
        record: c.record && { ...c.record, mode },
      }));
    // the conventions say manual; the clusters' records say it too
    const manualReport = {
      ...exampleAfterReport,
      clusters: recordsIn('manual'),
      conventions: [
        {
          setting: 'dns.mode',
          value: 'manual',
          source: 'conventions' as const,
          reason: 'set in .clustermesh-dns.yaml',
        },
      ],
    };
    // no `dns.mode` among the conventions: the records' mode
    const recordsOnlySource = {
      ...gitlabSource,
      id: 'records-only',
      title: 'records-only on GitLab',
    };
    serveBackend(server, {
      sources: [githubSource, manualSource, recordsOnlySource],
      reports: {
        [githubSource.id]: sourceReport(githubSource, exampleAfterReport),
        [manualSource.id]: sourceReport(manualSource, manualReport),
        [recordsOnlySource.id]: sourceReport(recordsOnlySource, {
          ...exampleAfterReport,
          clusters: recordsIn('manual'),
        }),
      },
    });
    renderPage({ scaffolder: true });
    await screen.findByText('6 clusters');
    const formData = (title: string) =>
      JSON.parse(
        new URL(
          screen
            .getByRole('link', { name: `Configure DNS for ${title}` })
            .getAttribute('href')!,
          'http://x',
        ).searchParams.get('formData')!,
      );
    expect(formData(githubSource.title).mode).toBe('externaldns');
    expect(formData(manualSource.title).mode).toBe('manual');
    expect(formData(recordsOnlySource.title).mode).toBe('manual');
  });

  it("opens the template prefilled with the card's source and clusters, or says why it cannot", async () => {
    // A repository whose clusters are all outside the mesh yet: the template
    // brings them in, so every cluster is passed.
    const outsideSource = {
      ...githubSource,
      id: 'outside-ops',
      title: 'outside-ops on GitHub',
      repository: {
        ...githubSource.repository!,
        name: 'outside-ops',
        url: 'https://github.com/acme/outside-ops',
      },
    };
    const outsideReport = {
      ...exampleAfterReport,
      clusters: exampleAfterReport.clusters.map(c => ({
        ...c,
        status: 'outside' as const,
      })),
    };
    const emptySource = { ...githubSource, id: 'empty', title: 'empty' };
    const emptyReport = { ...exampleAfterReport, clusters: [] };
    serveBackend(server, {
      sources: [
        githubSource,
        gitlabSource,
        exampleBeforeSource,
        exampleSource,
        outsideSource,
        emptySource,
      ],
      reports: {
        [githubSource.id]: sourceReport(githubSource, exampleAfterReport),
        [gitlabSource.id]: sourceReport(gitlabSource, exampleAfterReport),
        'example-before': sourceReport(
          exampleBeforeSource,
          exampleBeforeReport,
        ),
        example: sourceReport(exampleSource, exampleAfterReport),
        [outsideSource.id]: sourceReport(outsideSource, outsideReport),
        [emptySource.id]: sourceReport(emptySource, emptyReport),
      },
    });
    renderPage({ scaffolder: true });
    await screen.findByText('10 clusters');
    const formData = (title: string) => {
      const link = screen.getByRole('link', {
        name: `Configure DNS for ${title}`,
      });
      const href = link.getAttribute('href')!;
      expect(
        href.startsWith('/create/templates/default/clustermesh-dns?'),
      ).toBe(true);
      return JSON.parse(
        new URL(href, 'http://x').searchParams.get('formData')!,
      );
    };
    expect(formData(githubSource.title)).toEqual({
      source: 'github',
      repoUrl: 'github.com?owner=acme&repo=home-ops',
      branch: 'main',
      clusters: [
        { name: 'apps', ip: '10.25.11.120' },
        { name: 'infra', ip: '10.25.11.100' },
      ],
      mode: 'externaldns',
    });
    expect(formData(gitlabSource.title)).toMatchObject({
      source: 'gitlab',
      repoUrl: 'gitlab.com?owner=acme%2Finfra&repo=platform',
    });
    // The template's embedded example is the repository this source reads.
    expect(formData(exampleBeforeSource.title)).toEqual({
      source: 'example',
      clusters: [
        { name: 'apps', ip: '' },
        { name: 'infra', ip: '' },
      ],
      mode: 'externaldns',
    });
    expect(formData(outsideSource.title)).toEqual({
      source: 'github',
      repoUrl: 'github.com?owner=acme&repo=outside-ops',
      branch: 'main',
      clusters: [
        { name: 'apps', ip: '10.25.11.120' },
        { name: 'infra', ip: '10.25.11.100' },
      ],
      mode: 'externaldns',
    });

    // Any other local folder: the template cannot change it, and says why.
    const local = screen.getByRole('button', {
      name: `Configure DNS for ${exampleSource.title}`,
    });
    expect(local).toBeDisabled();
    expect(local).toHaveAccessibleDescription(
      `${exampleSource.title} is a local folder: the template opens pull requests on GitHub and GitLab repositories, and tries out only its embedded example (source example-before).`,
    );
    await userEvent.hover(local.parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      `${exampleSource.title} is a local folder`,
    );
    const empty = screen.getByRole('button', {
      name: 'Configure DNS for empty',
    });
    expect(empty).toBeDisabled();
    expect(empty).toHaveAccessibleDescription(
      'No cluster was found in empty: the template configures the clusters of a repository.',
    );
  });

  it('renders one page of rows for 500 clusters and fetches no cluster', async () => {
    const log = serveBackend(server, {
      sources: [exampleSource],
      reports: { example: sourceReport(exampleSource, largeReport(500)) },
    });
    renderPage();
    expect(await screen.findByText('500 clusters')).toBeInTheDocument();
    expect(bodyRows(await table())).toHaveLength(50);
    expect(log.filter(r => r.path.includes('/clusters/'))).toHaveLength(0);
    await userEvent.click(
      screen.getByRole('button', { name: 'Go to next page' }),
    );
    expect(
      within(await table()).getByRole('rowheader', { name: 'cluster-050' }),
    ).toBeInTheDocument();
    await userEvent.type(
      screen.getByRole('searchbox', { name: 'Search clusters, FQDNs or IPs' }),
      'cluster-49',
    );
    expect(bodyRows(await table())).toHaveLength(10);
  });

  it('has no accessibility violations, with a row expanded', async () => {
    beforeBackend();
    const { container } = renderPage({
      url: '/clustermesh-dns?open=example-before/infra',
      scaffolder: true,
    });
    await screen.findByRole('table', { name: 'Checks of infra' });
    expect(await axe(container)).toHaveNoViolations();
  });
});
