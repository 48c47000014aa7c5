import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createClustermeshDnsConfigureAction } from './configure';

const examples = path.resolve(__dirname, '../../../../examples');

function readAll(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of fs.readdirSync(dir, {
    recursive: true,
    encoding: 'utf8',
  })) {
    const full = path.join(dir, file);
    if (fs.statSync(full).isFile()) out[file] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

describe('clustermesh:dns:configure', () => {
  const mockDir = createMockDirectory();
  // with CI set, Backstage leaves mock directories for the machine to drop
  afterAll(() => mockDir.remove());
  const action = createClustermeshDnsConfigureAction();
  const storyClusters = [
    { name: 'infra', ip: '10.25.11.100' },
    { name: 'apps', ip: '10.25.11.120' },
  ];

  beforeEach(() => {
    mockDir.clear();
    fs.cpSync(
      path.join(examples, 'templates/clustermesh-dns/gitops-repo-before'),
      mockDir.resolve('gitops'),
      { recursive: true },
    );
  });

  function context(input: Record<string, unknown>, isDryRun = false) {
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath: mockDir.path,
    });
    jest.spyOn(ctx.logger, 'info');
    // The mock takes no isDryRun option.
    return Object.assign(ctx, { isDryRun });
  }

  it('writes the story change, outputs the summary, and writes nothing on a second run', async () => {
    const ctx = context({
      repoPath: 'gitops',
      clusters: storyClusters,
      outputPath: 'changes',
    });
    await action.handler(ctx);
    const changed = [
      'kubernetes/clusters/apps/cluster-settings.yaml',
      'kubernetes/clusters/infra/cluster-settings.yaml',
      'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
      'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml',
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
    ];
    expect(ctx.output).toHaveBeenCalledWith('changedPaths', changed);
    expect(ctx.output).toHaveBeenCalledWith(
      'summary',
      expect.stringContaining(
        '| apps | `clustermesh-apps.${SECRET_DOMAIN}` | A | 10.25.11.120 | 300 |',
      ),
    );
    expect(ctx.output).toHaveBeenCalledWith('bytesWritten', expect.any(Number));
    const after = readAll(mockDir.resolve('gitops'));
    expect(after['kubernetes/clusters/infra/cluster-settings.yaml']).toContain(
      'CILIUM_CLUSTERMESH_LB_IP: "10.25.11.100"',
    );
    // Only the changed files in the output folder, with the same content.
    const out = readAll(mockDir.resolve('changes'));
    expect(Object.keys(out).sort()).toEqual(changed);
    for (const p of changed) expect(out[p]).toBe(after[p]);
    expect(ctx.logger.info).toHaveBeenCalledWith(
      expect.stringMatching(
        /^update kubernetes\/clusters\/infra\/cluster-settings\.yaml: /,
      ),
    );

    const again = context({ repoPath: 'gitops', clusters: storyClusters });
    await action.handler(again);
    expect(again.output).toHaveBeenCalledWith('changedPaths', []);
    expect(again.output).toHaveBeenCalledWith('bytesWritten', 0);
    expect(readAll(mockDir.resolve('gitops'))).toEqual(after);
  });

  it('writes the names of a template given to the run, and ignores an empty one', async () => {
    const ctx = context({
      repoPath: 'gitops',
      clusters: storyClusters,
      fqdnTemplate: '{cluster}.mesh.${SECRET_DOMAIN}',
    });
    await action.handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith(
      'summary',
      expect.stringContaining(
        '| infra | `infra.mesh.${SECRET_DOMAIN}` | A | 10.25.11.100 | 300 |',
      ),
    );
    const settings = 'kubernetes/clusters/apps/cluster-settings.yaml';
    const after = readAll(mockDir.resolve('gitops'));
    expect(after[settings]).toContain(
      'CILIUM_CLUSTERMESH_INFRA_FQDN: "infra.mesh.${SECRET_DOMAIN}"',
    );
    // an empty field keeps the names the repository now uses
    const again = context({
      repoPath: 'gitops',
      clusters: storyClusters,
      fqdnTemplate: '',
    });
    await action.handler(again);
    expect(again.output).toHaveBeenCalledWith('changedPaths', []);
    expect(readAll(mockDir.resolve('gitops'))).toEqual(after);
  });

  it('takes the branch the fetched files are from: a cluster on another branch is refused for it, and with the branch not known, clusters on different branches are', async () => {
    // apps' Flux tracks its own branch; fetch:plain's files have no .git
    const sync = mockDir.resolve(
      'gitops/kubernetes/clusters/apps/flux-system/gotk-sync.yaml',
    );
    fs.writeFileSync(
      sync,
      fs
        .readFileSync(sync, 'utf8')
        .replace('branch: main', 'branch: apps-next'),
    );
    const before = readAll(mockDir.resolve('gitops'));
    await expect(
      action.handler(
        context({
          repoPath: 'gitops',
          clusters: storyClusters,
          branch: 'main',
        }),
      ),
    ).rejects.toThrow(
      'apps: its Flux reconciles branch apps-next (kubernetes/clusters/apps/flux-system/gotk-sync.yaml:11), not the branch read here',
    );
    await expect(
      action.handler(context({ repoPath: 'gitops', clusters: storyClusters })),
    ).rejects.toThrow(
      'and which branch these files are from is not known (no branch is checked out: no .git/HEAD, or a detached one)',
    );
    expect(readAll(mockDir.resolve('gitops'))).toEqual(before);
  });

  it('refuses a template without {cluster}, writing nothing', async () => {
    const before = readAll(mockDir.resolve('gitops'));
    await expect(
      action.handler(
        context({
          repoPath: 'gitops',
          clusters: storyClusters,
          fqdnTemplate: 'mesh.example.net',
        }),
      ),
    ).rejects.toThrow(
      'fqdnTemplate must contain {cluster} (where each cluster\'s name goes), not "mesh.example.net"',
    );
    expect(readAll(mockDir.resolve('gitops'))).toEqual(before);
  });

  it("writes the change into a dry run's workspace, for the template editor to show", async () => {
    const before = readAll(mockDir.resolve('gitops'));
    const ctx = context(
      { repoPath: 'gitops', outputPath: 'changes', clusters: storyClusters },
      true,
    );
    await action.handler(ctx);
    const settings = 'kubernetes/clusters/infra/cluster-settings.yaml';
    expect(ctx.output).toHaveBeenCalledWith(
      'changedPaths',
      expect.arrayContaining([settings]),
    );
    const after = readAll(mockDir.resolve('gitops'));
    expect(after[settings]).not.toEqual(before[settings]);
    expect(after[settings]).toContain('CILIUM_CLUSTERMESH_FQDN');
    // only the changed files in the output folder, as for a real run
    expect(Object.keys(readAll(mockDir.resolve('changes'))).sort()).toEqual(
      Object.keys(after)
        .filter(p => after[p] !== before[p])
        .sort(),
    );
  });

  it.each([
    [
      { repoPath: '../outside', clusters: storyClusters },
      /Invalid path input: \.\.\/outside: "\.\." is not allowed/,
    ],
    [
      { repoPath: '/etc', clusters: storyClusters },
      /absolute paths are not allowed/,
    ],
    [
      { repoPath: 'gitops', outputPath: '../x', clusters: storyClusters },
      /"\.\." is not allowed/,
    ],
    [
      { repoPath: 'gitops', clusters: [{ name: 'infra', ip: '10.99.0.1' }] },
      /clusters\[0\]\.ip: 10\.99\.0\.1 is outside the LB IPAM pools of infra/,
    ],
    [
      {
        repoPath: 'gitops',
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'apps', ip: '10.25.11.100' },
        ],
      },
      /clusters\[1\]\.ip: 10\.25\.11\.100 is also the IP given to infra;/,
    ],
    [
      {
        repoPath: 'gitops',
        conventionsFile: 'missing.yaml',
        clusters: storyClusters,
      },
      /missing\.yaml/,
    ],
  ])('refuses %j, changing no file', async (input, message) => {
    const before = readAll(mockDir.path);
    await expect(action.handler(context(input))).rejects.toThrow(message);
    expect(readAll(mockDir.path)).toEqual(before);
  });

  it('refuses to edit a SOPS-encrypted settings file, saying which value belongs there', async () => {
    const file = mockDir.resolve(
      'gitops/kubernetes/clusters/infra/cluster-settings.yaml',
    );
    fs.appendFileSync(file, 'sops:\n  version: 3.9.0\n');
    const before = readAll(mockDir.path);
    await expect(
      action.handler(context({ repoPath: 'gitops', clusters: storyClusters })),
    ).rejects.toThrow(
      /cluster-settings\.yaml: .*SOPS-encrypted.*the ClusterMesh settings of infra/,
    );
    expect(readAll(mockDir.path)).toEqual(before);
  });

  it('adds a cluster to a running mesh and takes a retired one out, in one run', async () => {
    fs.cpSync(
      path.resolve(
        __dirname,
        '../../../clustermesh-dns-engine/fixtures/configure-running-mesh/repo',
      ),
      mockDir.resolve('mesh'),
      { recursive: true },
    );
    fs.rmSync(mockDir.resolve('mesh/kubernetes/clusters/cedar'), {
      recursive: true,
    });
    const ctx = context({
      repoPath: 'mesh',
      clusters: [{ name: 'delta', ip: '10.70.3.10' }],
      remove: ['cedar'],
    });
    await action.handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith('changedPaths', [
      'kubernetes/clusters/amber/cluster-settings.yaml',
      'kubernetes/clusters/birch/cluster-settings.yaml',
      'kubernetes/clusters/delta/cluster-settings.yaml',
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
    ]);
    expect(ctx.output).toHaveBeenCalledWith(
      'summary',
      expect.stringContaining('Taken out of the mesh: cedar'),
    );
    const hr = fs.readFileSync(
      mockDir.resolve(
        'mesh/kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
      ),
      'utf8',
    );
    expect(hr).not.toContain('cedar');
  });

  it('in a dry run, says what it would have written before it refuses', async () => {
    const before = readAll(mockDir.path);
    const ctx = context(
      {
        repoPath: 'gitops',
        clusters: [
          { name: 'infra', ip: '10.25.11.100' },
          { name: 'apps', ip: '10.25.12.5' },
        ],
      },
      true,
    );
    await expect(action.handler(ctx)).rejects.toThrow(
      /clusters\[1\]\.ip: 10\.25\.12\.5 is outside the LB IPAM pools of apps/,
    );
    expect(ctx.logger.info).toHaveBeenCalledWith(
      expect.stringMatching(
        /^would update kubernetes\/clusters\/apps\/cluster-settings\.yaml: /,
      ),
    );
    expect(readAll(mockDir.path)).toEqual(before);
  });

  it('needs a cluster to configure or to take out', async () => {
    await expect(
      action.handler(context({ repoPath: 'gitops', clusters: [] })),
    ).rejects.toThrow(
      /name at least one cluster in clusters, or one in remove/,
    );
  });
});
