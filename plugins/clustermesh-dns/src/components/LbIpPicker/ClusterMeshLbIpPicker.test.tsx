import { useState } from 'react';
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { axe } from 'jest-axe';
import {
  registerMswTestHooks,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import type { ClusterPool } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clustermeshDnsApiRef } from '../../api';
import type { ClusterEntry } from '../../lib/configure';
import {
  createClient,
  exampleAfterReport,
  exampleBeforeReport,
  exampleBeforeSource,
  exampleSource,
  githubSource,
  serveBackend,
  sourceReport,
} from '../../__testUtils__/backend';
import { ClusterMeshLbIpPicker } from './ClusterMeshLbIpPicker';
import { lbIpPickerValidation } from './field';
import type { LbIpPickerOptions } from './fieldSource';

const poolLocation = (cluster: string) => ({
  file: `kubernetes/infrastructure/networking/cilium/ipam/lb-ippool-${cluster}.yaml`,
  line: 9,
});

const appsPool = (source = exampleBeforeSource): ClusterPool => ({
  source,
  cluster: 'apps',
  pools: [
    {
      name: 'lb-ippool-apps',
      blocks: ['10.25.11.120-10.25.11.139'],
      disabled: false,
      admitsApiServer: true,
      location: poolLocation('apps'),
    },
    {
      name: 'lb-ippool-apps-old',
      blocks: ['10.25.10.0/28'],
      disabled: true,
      admitsApiServer: true,
      location: poolLocation('apps-old'),
    },
  ],
  used: [
    {
      address: '10.25.11.121',
      usedBy: [
        {
          what: 'Service ingress-nginx/ingress-nginx',
          cluster: 'apps',
          location: { file: 'kubernetes/apps/ingress/service.yaml', line: 9 },
        },
      ],
    },
  ],
  free: 19,
  suggestion: '10.25.11.120',
});

const infraPool: ClusterPool = {
  source: exampleBeforeSource,
  cluster: 'infra',
  pools: [
    {
      name: 'lb-ippool-infra',
      blocks: ['10.25.11.100-10.25.11.119'],
      disabled: false,
      admitsApiServer: true,
      location: poolLocation('infra'),
    },
  ],
  used: [],
  free: 20,
  suggestion: '10.25.11.100',
};

function Harness(props: {
  initial: ClusterEntry[];
  form: Record<string, unknown>;
  onValue: (value: ClusterEntry[]) => void;
  options?: LbIpPickerOptions;
  /** The form's check of the field, after the user asked to go on. */
  rawErrors?: string[];
}) {
  const [value, setValue] = useState(props.initial);
  const fieldProps = {
    name: 'clusters',
    formData: value,
    onChange: (next: ClusterEntry[]) => {
      setValue(next);
      props.onValue(next);
    },
    formContext: { formData: { ...props.form, clusters: value } },
    uiSchema: { 'ui:options': props.options ?? {} },
    schema: {
      title: 'Clusters',
      description:
        'Each cluster and the LoadBalancer IP of its clustermesh-apiserver.',
    },
    idSchema: { $id: 'root_clusters' },
    rawErrors: props.rawErrors ?? [],
    required: true,
    disabled: false,
    readonly: false,
    onBlur: () => {},
    onFocus: () => {},
    registry: {},
  } as unknown as FieldExtensionComponentProps<
    ClusterEntry[],
    LbIpPickerOptions
  >;
  return <ClusterMeshLbIpPicker {...fieldProps} />;
}

describe('ClusterMeshLbIpPicker', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const exampleBackend = () =>
    serveBackend(server, {
      sources: [exampleSource, exampleBeforeSource],
      reports: {
        'example-before': sourceReport(
          exampleBeforeSource,
          exampleBeforeReport,
        ),
      },
      pools: {
        'example-before/apps': appsPool(),
        'example-before/infra': infraPool,
      },
    });

  const render = (
    initial: ClusterEntry[],
    form: Record<string, unknown> = { source: 'example' },
    rawErrors?: string[],
  ) => {
    const onValue = jest.fn();
    const result = renderInTestApp(
      <Harness
        initial={initial}
        form={form}
        onValue={onValue}
        rawErrors={rawErrors}
      />,
      { apis: [[clustermeshDnsApiRef, createClient()]] },
    );
    return { onValue, ...result };
  };
  const group = (n: number, name?: string) =>
    screen.findByRole('group', {
      name: `Cluster ${n}${name ? `: ${name}` : ''}`,
    });
  const lastValue = (onValue: jest.Mock) =>
    onValue.mock.calls[onValue.mock.calls.length - 1][0];

  it('checks the embedded example against the example-before source, shows the pool and hands the suggestion to the form', async () => {
    const log = exampleBackend();
    const { onValue } = render([
      { name: 'apps', ip: '' },
      { name: 'infra', ip: '' },
    ]);
    expect(
      await screen.findByText(
        /Checked against the ClusterMesh DNS source Example GitOps repository \(before Story 13\)/,
      ),
    ).toBeInTheDocument();
    const apps = await group(1, 'apps');
    expect(
      await within(apps).findByText(
        /Pools of apps: lb-ippool-apps \(10.25.11.120-10.25.11.139\) · 19 free/,
      ),
    ).toBeInTheDocument();
    expect(
      within(apps).getByText(/lb-ippool-apps-old \(disabled\)/),
    ).toBeInTheDocument();
    expect(within(apps).getByText('10.25.11.121')).toBeInTheDocument();
    expect(
      within(apps).getByText(
        /Service ingress-nginx\/ingress-nginx \(apps\), kubernetes\/apps\/ingress\/service.yaml:9/,
      ),
    ).toBeInTheDocument();
    expect(
      within(apps).getByText('10.25.11.120', { selector: 'strong' }),
    ).toBeInTheDocument();
    // empty, but not an error before the user asks to go on
    expect(within(apps).queryByText('Enter the LB IP of apps')).toBeNull();

    await userEvent.click(
      within(apps).getByRole('button', { name: 'Use 10.25.11.120 for apps' }),
    );
    expect(lastValue(onValue)).toEqual([
      { name: 'apps', ip: '10.25.11.120' },
      { name: 'infra', ip: '' },
    ]);
    expect(within(apps).getByRole('textbox', { name: 'LB IP' })).toHaveValue(
      '10.25.11.120',
    );
    expect(within(apps).getByText('Free, inside the pool')).toBeInTheDocument();
    expect(
      log
        .filter(r => r.path.endsWith('/pool'))
        .map(r => r.path)
        .sort(),
    ).toEqual([
      '/sources/example-before/clusters/apps/pool',
      '/sources/example-before/clusters/infra/pool',
    ]);
  });

  it.each([
    [
      '10.25.11',
      '"10.25.11" is not an IP address: it does not have four octets',
    ],
    [
      '10.25.11.300',
      '"10.25.11.300" is not an IP address: it has an octet above 255',
    ],
    [
      '10.25.12.5',
      '10.25.12.5 is outside the LB IPAM pools of apps (lb-ippool-apps: 10.25.11.120-10.25.11.139)',
    ],
    [
      '10.25.11.121',
      '10.25.11.121 is in use by Service ingress-nginx/ingress-nginx in apps (kubernetes/apps/ingress/service.yaml:9)',
    ],
  ])('says as the user types %s: %s', async (typed, message) => {
    exampleBackend();
    const { onValue } = render([{ name: 'apps', ip: '' }]);
    const apps = await group(1, 'apps');
    await within(apps).findByText(/Pools of apps/);
    const ip = within(apps).getByRole('textbox', { name: 'LB IP' });
    await userEvent.type(ip, typed);
    expect(within(apps).getByText(message)).toBeInTheDocument();
    expect(ip).toHaveAttribute('aria-invalid', 'true');
    expect(ip).toHaveAccessibleDescription(message);
    expect(lastValue(onValue)).toEqual([{ name: 'apps', ip: typed }]);
  });

  it('flags an address given twice and a cluster listed twice, with the source from the repository URL', async () => {
    const log = serveBackend(server, {
      sources: [githubSource],
      match: repoUrl =>
        repoUrl === 'github.com?owner=acme&repo=home-ops'
          ? { repository: githubSource.repository, source: githubSource }
          : {},
      reports: {
        [githubSource.id]: sourceReport(githubSource, exampleAfterReport),
      },
      pools: {
        [`${githubSource.id}/apps`]: {
          ...appsPool(githubSource),
          current: '10.25.11.120',
        },
        [`${githubSource.id}/infra`]: {
          ...infraPool,
          source: githubSource,
          current: '10.25.11.100',
        },
      },
    });
    render(
      [
        { name: 'apps', ip: '10.25.11.120' },
        { name: 'infra', ip: '10.25.11.100' },
        { name: 'apps', ip: '10.25.11.122' },
      ],
      { source: 'github', repoUrl: 'github.com?owner=acme&repo=home-ops' },
    );
    expect(
      await screen.findByText(
        /Checked against the ClusterMesh DNS source home-ops on GitHub/,
      ),
    ).toBeInTheDocument();
    expect(log.find(r => r.path === '/sources/match')?.query).toBe(
      `?repoUrl=${encodeURIComponent('github.com?owner=acme&repo=home-ops')}`,
    );
    const first = await group(1, 'apps');
    expect(
      await within(first).findByText('The current LB IP of apps'),
    ).toBeInTheDocument();
    const third = await group(3, 'apps');
    expect(
      within(third).getByText('apps is listed more than once'),
    ).toBeInTheDocument();

    const infraIp = within(await group(2, 'infra')).getByRole('textbox', {
      name: 'LB IP',
    });
    fireEvent.change(infraIp, { target: { value: '10.25.11.101' } });
    expect(
      await within(await group(2, 'infra')).findByText('Free, inside the pool'),
    ).toBeInTheDocument();
  });

  it('flags an address given to two clusters when no source reads the repository', async () => {
    serveBackend(server, { match: () => ({}) });
    const { onValue } = render(
      [
        { name: 'apps', ip: '10.25.11.120' },
        { name: 'infra', ip: '' },
      ],
      { source: 'github', repoUrl: 'github.com?owner=acme&repo=elsewhere' },
    );
    expect(
      await screen.findByText(
        /No ClusterMesh DNS source reads this repository/,
      ),
    ).toBeInTheDocument();
    const infra = await group(2, 'infra');
    await userEvent.type(
      within(infra).getByRole('textbox', { name: 'LB IP' }),
      '10.25.11.120',
    );
    expect(
      within(infra).getByText(
        '10.25.11.120 is also given to apps in this form',
      ),
    ).toBeInTheDocument();
    expect(
      within(await group(1, 'apps')).getByText(
        '10.25.11.120 is also given to infra in this form',
      ),
    ).toBeInTheDocument();
    expect(lastValue(onValue)).toEqual([
      { name: 'apps', ip: '10.25.11.120' },
      { name: 'infra', ip: '10.25.11.120' },
    ]);
  });

  it("after the form's check, shows each error once: beside its cluster, the others below", async () => {
    exampleBackend();
    render([{ name: 'apps', ip: '' }], { source: 'example' }, [
      'apps: Enter the LB IP of apps',
      'ClusterMesh needs at least two clusters',
    ]);
    const apps = await group(1, 'apps');
    expect(
      await within(apps).findByText('Enter the LB IP of apps'),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/Enter the LB IP of apps/)).toHaveLength(1);
    expect(
      screen.getByText('ClusterMesh needs at least two clusters'),
    ).toBeInTheDocument();
  });

  it('adds, picks and removes clusters, handing the form [{ name, ip }]', async () => {
    exampleBackend();
    const { onValue } = render([{ name: 'apps', ip: '10.25.11.125' }]);
    await screen.findByText(/Checked against/);
    await userEvent.click(screen.getByRole('button', { name: 'Add cluster' }));
    expect(lastValue(onValue)).toEqual([
      { name: 'apps', ip: '10.25.11.125' },
      { name: '', ip: '' },
    ]);
    const second = await group(2);
    expect(
      within(second).queryByText('Choose a cluster', { selector: 'p' }),
    ).toBeNull();
    await userEvent.selectOptions(
      within(second).getByRole('combobox', { name: 'Cluster' }),
      'infra',
    );
    expect(lastValue(onValue)).toEqual([
      { name: 'apps', ip: '10.25.11.125' },
      { name: 'infra', ip: '' },
    ]);
    const infra = await group(2, 'infra');
    await within(infra).findByText(/Suggested free address/);
    await userEvent.click(
      within(infra).getByRole('button', { name: 'Use 10.25.11.100 for infra' }),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Remove apps' }));
    expect(lastValue(onValue)).toEqual([{ name: 'infra', ip: '10.25.11.100' }]);
  });

  it('has no accessibility violations', async () => {
    exampleBackend();
    const { container } = render([
      { name: 'apps', ip: '10.25.11.121' },
      { name: 'infra', ip: '' },
    ]);
    await within(await group(1, 'apps')).findByText(/is in use by/);
    await within(await group(2, 'infra')).findByText(/Suggested free address/);
    expect(await axe(container)).toHaveNoViolations();
  });
});

describe('the field validation run on Next', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const run = async (
    value: ClusterEntry[],
    formData: Record<string, unknown>,
  ) => {
    const errors: string[] = [];
    const client = createClient();
    await lbIpPickerValidation(
      value,
      { addError: (e: string) => errors.push(e) } as any,
      {
        apiHolder: {
          get: (ref: { id: string }) =>
            ref.id === clustermeshDnsApiRef.id ? client : undefined,
        } as any,
        formData: formData as any,
        schema: {},
      },
    );
    return errors;
  };

  it('checks every entry against the pools of the source', async () => {
    serveBackend(server, {
      sources: [exampleSource, exampleBeforeSource],
      reports: {
        'example-before': sourceReport(
          exampleBeforeSource,
          exampleBeforeReport,
        ),
      },
      pools: {
        'example-before/apps': appsPool(),
        'example-before/infra': infraPool,
      },
    });
    expect(
      await run(
        [
          { name: 'apps', ip: '10.25.12.5' },
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'edge', ip: '10.25.11.1000' },
        ],
        { source: 'example' },
      ),
    ).toEqual([
      'apps: 10.25.12.5 is outside the LB IPAM pools of apps (lb-ippool-apps: 10.25.11.120-10.25.11.139)',
      'edge: edge is not a cluster of Example GitOps repository (before Story 13)',
      'edge: "10.25.11.1000" is not an IP address: it has an octet above 255',
    ]);
    expect(
      await run(
        [
          { name: 'apps', ip: '10.25.11.122' },
          { name: 'infra', ip: '10.25.11.100' },
        ],
        { source: 'example' },
      ),
    ).toEqual([]);
  });

  it('still checks the form when the backend cannot be reached', async () => {
    serveBackend(server, { sources: new Response('down', { status: 503 }) });
    expect(
      await run(
        [
          { name: 'apps', ip: '10.25.11.120' },
          { name: 'infra', ip: '10.25.11.120' },
        ],
        { source: 'example' },
      ),
    ).toEqual([
      'apps: 10.25.11.120 is also given to infra in this form',
      'infra: 10.25.11.120 is also given to apps in this form',
    ]);
  });
});
