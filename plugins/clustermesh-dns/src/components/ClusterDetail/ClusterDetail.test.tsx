import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import type {
  CheckResult,
  ClusterReport,
  Finding,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { exampleBeforeReport } from '../../__testUtils__/fixtures';
import { ChecksTable } from './ChecksTable';
import { ClusterMapping } from './ClusterMapping';
import { FindingItem } from './FindingEffects';

const noLink = () => undefined;

const place = (n: number) => ({
  location: { file: `kubernetes/apps/app-${n}/values.yaml`, line: n },
  what: `value ${n}`,
});

describe('FindingItem', () => {
  it('says how many of the places it lists when it lists only the first few', async () => {
    const finding: Finding = {
      id: 'substitution-failed:X',
      code: 'substitution-failed',
      severity: 'error',
      message: 'X is not defined',
      location: { file: 'kubernetes/clusters/infra/apps.yaml', line: 4 },
      affects: {
        count: 17,
        clusters: ['apps', 'infra', 'edge'],
        examples: [place(1), place(2), place(3)],
      },
    };
    await renderInTestApp(
      <FindingItem finding={finding} linker={noLink} clusterHref={noLink} />,
    );
    expect(
      screen.getByText(/This cause affects 17 places in 3 clusters/),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('listitem')).toHaveLength(3);
    expect(screen.getByText('3 of 17 places shown')).toBeInTheDocument();
  });

  it('says nothing of the kind when every place is listed', async () => {
    const finding: Finding = {
      id: 'substitution-failed:X',
      code: 'substitution-failed',
      severity: 'warning',
      message: 'X is not defined',
      affects: {
        count: 2,
        clusters: ['apps', 'infra'],
        examples: [place(1), place(2)],
      },
    };
    await renderInTestApp(
      <FindingItem finding={finding} linker={noLink} clusterHref={noLink} />,
    );
    expect(screen.getAllByRole('listitem')).toHaveLength(2);
    expect(screen.queryByText(/shown/)).not.toBeInTheDocument();
  });

  it('prints a single place at its own location once', async () => {
    const location = {
      file: 'kubernetes/infrastructure/networkpolicy/kustomization.yaml',
      line: 11,
    };
    const message =
      'refers to the component ../allow-1password-connect, which is not a directory of the repository';
    const finding: Finding = {
      id: 'kustomize-error:1',
      code: 'kustomize-error',
      severity: 'error',
      message,
      location,
      affects: {
        count: 1,
        clusters: ['apps', 'infra'],
        examples: [{ location, what: message }],
      },
    };
    await renderInTestApp(
      <FindingItem finding={finding} linker={noLink} clusterHref={noLink} />,
    );
    expect(screen.getAllByText(message)).toHaveLength(1);
    expect(
      screen.getAllByText(
        'kubernetes/infrastructure/networkpolicy/kustomization.yaml:11',
      ),
    ).toHaveLength(1);
    expect(screen.queryByRole('listitem')).not.toBeInTheDocument();
    expect(
      screen.getByText(/This cause affects 1 place in 2 clusters/),
    ).toBeInTheDocument();
    // Its severity, as an icon and a word.
    expect(screen.getByText('Error')).toBeInTheDocument();
    expect(screen.getByTestId('status-error')).toBeInTheDocument();
  });
});

describe('ChecksTable', () => {
  it('shows the code spans of a remediation as code, without backticks', async () => {
    const check: CheckResult = {
      ruleId: 'settings-present',
      outcome: 'fail',
      severity: 'error',
      cluster: 'infra',
      message: 'CILIUM_CLUSTERMESH_FQDN is not set',
      remediation:
        'Add `CILIUM_CLUSTERMESH_FQDN` to ConfigMap `flux-system/cluster-settings`.',
    };
    await renderInTestApp(
      <ChecksTable
        checks={[check]}
        findings={[]}
        linker={noLink}
        clusterHref={noLink}
        caption="Checks of infra"
      />,
    );
    const fix = screen.getByText(/^How to fix:/);
    expect(fix).toHaveTextContent(
      'How to fix: Add CILIUM_CLUSTERMESH_FQDN to ConfigMap flux-system/cluster-settings.',
    );
    expect(fix.textContent).not.toContain('`');
    expect(
      [...fix.querySelectorAll('code')].map(code => code.textContent),
    ).toEqual(['CILIUM_CLUSTERMESH_FQDN', 'flux-system/cluster-settings']);
  });

  it('keeps its column headings whole', async () => {
    await renderInTestApp(
      <ChecksTable
        checks={exampleBeforeReport.clusters[0].checks}
        findings={[]}
        linker={noLink}
        clusterHref={noLink}
        caption="Checks of apps"
      />,
    );
    for (const heading of screen.getAllByRole('columnheader')) {
      // The theme breaks words anywhere in table cells; not in headings.
      expect(heading).toHaveStyle({ wordBreak: 'normal' });
    }
  });
});

describe('ClusterMapping', () => {
  const cluster = (
    changes: Partial<ClusterReport>,
  ): Omit<ClusterReport, 'checks'> => {
    const { checks: _checks, ...rest } = exampleBeforeReport.clusters[0];
    return { ...rest, ...changes };
  };

  it('says there is no LB IP rather than that no pool holds it', async () => {
    await renderInTestApp(
      <ClusterMapping cluster={cluster({})} linker={noLink} />,
    );
    expect(screen.getByText('no LB IP set')).toBeInTheDocument();
    expect(screen.queryByText(/none holds/)).not.toBeInTheDocument();
    // No DNSEndpoint: no record, not the configured defaults.
    expect(screen.getByText('no record')).toBeInTheDocument();
    expect(screen.queryByText(/TTL/)).not.toBeInTheDocument();
  });

  it('says no pool holds an LB IP that is set', async () => {
    await renderInTestApp(
      <ClusterMapping
        cluster={cluster({
          lbIp: {
            value: '10.0.0.9',
            family: 'ipv4',
            location: { file: 'x.yaml', line: 1 },
          },
        })}
        linker={noLink}
      />,
    );
    const pool = screen.getByText('Pool').nextElementSibling as HTMLElement;
    expect(within(pool).getByText('none holds the LB IP')).toBeInTheDocument();
  });
});
