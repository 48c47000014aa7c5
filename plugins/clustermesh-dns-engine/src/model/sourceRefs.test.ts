import { exampleTree } from '../__testUtils__/trees';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';

describe('clusters that reconcile this repository at different refs', () => {
  const sync = (c: string) =>
    `kubernetes/clusters/${c}/flux-system/gotk-sync.yaml`;
  const differing = (report: ReturnType<typeof validateMesh>) =>
    report.notEvaluated.filter(f => f.message.includes('different refs'));
  /** Each cluster's bootstrap GitRepository given this ref line instead of `branch: main`. */
  const tracking =
    (refs: Record<string, string>) => (files: Record<string, string>) => {
      for (const [c, ref] of Object.entries(refs))
        files[sync(c)] = files[sync(c)].replace('branch: main', ref);
    };

  it('says so once, naming each cluster with its ref, where a cluster runs its own branch', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        tracking({ apps: 'branch: apps-next' })(files);
      }),
      resolveConventions({}),
    );
    expect(differing(report)).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: `the clusters reconcile this repository at different refs: apps at branch apps-next (${sync(
          'apps',
        )}:11); infra at branch main (${sync(
          'infra',
        )}:11); what is read here is one checkout, so a cluster at another ref is checked as these files, not as its ref holds them, and which branch these files are from is not known (no branch is checked out: no .git/HEAD, or a detached one): name it (--branch, or flux.branch in the conventions) for a cluster on another branch to be said not evaluated`,
        location: { file: sync('infra'), line: 11 },
      }),
    ]);
    // the branch read named, and tracked by neither (a pull request's): no request to name it
    expect(
      differing(
        validateMesh(
          exampleTree('gitops-repo', files => {
            tracking({ apps: 'branch: apps-next' })(files);
          }),
          resolveConventions({ flux: { branch: 'clustermesh-dns' } }),
        ),
      ).map(f => f.message),
    ).toEqual([expect.stringMatching(/as its ref holds them$/)]);
  });

  it("says so where the clusters are outside the mesh by their values and the branch read is not known: that too was read from files that may not be their branch's (aminbenmansour's staging branch)", () => {
    const onTheirBranches = (files: Record<string, string>) => {
      tracking({ apps: 'branch: staging' })(files);
      // no cluster enables ClusterMesh in these files
      for (const [path, text] of Object.entries(files))
        if (text.includes('useAPIServer: true'))
          files[path] = text
            .replace('useAPIServer: true', 'useAPIServer: false')
            .replace(
              'config:\n        enabled: true',
              'config:\n        enabled: false',
            );
    };
    const unknown = validateMesh(
      exampleTree('gitops-repo', onTheirBranches),
      resolveConventions({}),
    );
    expect(unknown.clusters.map(c => c.membership.member)).toEqual([
      false,
      false,
    ]);
    expect(differing(unknown).map(f => f.message)).toEqual([
      expect.stringMatching(
        /^the clusters reconcile this repository at different refs: apps at branch staging .*; infra at branch main .*which branch these files are from is not known/,
      ),
    ]);
    // named: apps, on another branch, is not evaluated, and nothing more is said
    const named = validateMesh(
      exampleTree('gitops-repo', onTheirBranches),
      resolveConventions({ flux: { branch: 'main' } }),
    );
    expect(differing(named)).toEqual([]);
    expect(
      named.clusters.find(c => c.name === 'apps')!.membership.reason,
    ).toMatch(/^its Flux reconciles branch staging/);
  });

  it('reads the ref of a cluster whose Flux Operator instance syncs it (FluxInstance spec.sync.ref), as a branch', () => {
    const withInstance = (ref: string) => (files: Record<string, string>) => {
      files[sync('apps')] = files[sync('apps')].replace(
        /apiVersion: source\.toolkit\.fluxcd\.io\/v1\nkind: GitRepository\n[\s\S]*?\n---\n/,
        `apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n  sync:\n    kind: GitRepository\n    url: ssh://git@github.com/example/home-ops\n    ref: ${ref}\n    path: kubernetes/clusters/apps\n---\n`,
      );
    };
    const of = (ref: string) =>
      differing(
        validateMesh(
          exampleTree('gitops-repo', withInstance(ref)),
          resolveConventions({}),
        ),
      ).map(f => f.message);
    expect(of('refs/heads/main')).toEqual([]);
    expect(of('refs/heads/apps-next')).toEqual([
      expect.stringContaining(
        `apps at branch apps-next (${sync('apps')}:13); infra at branch main`,
      ),
    ]);
  });

  it("reads a GitRepository's full ref name (`ref.name: refs/heads/staging`, tcordina's) as the branch it names, so the clusters agree or differ as their branches do", () => {
    const named = (apps: string, infra: string) =>
      tracking({ apps: `name: ${apps}`, infra: `name: ${infra}` });
    const of = (apps: string, infra: string, branch?: string) =>
      validateMesh(
        exampleTree('gitops-repo', named(apps, infra)),
        resolveConventions(branch ? { flux: { branch } } : {}),
      );
    expect(differing(of('refs/heads/main', 'refs/heads/main'))).toEqual([]);
    // one by its full name, one by its branch: the same branch
    expect(
      differing(
        validateMesh(
          exampleTree('gitops-repo', files => {
            tracking({ apps: 'name: refs/heads/main' })(files);
          }),
          resolveConventions({}),
        ),
      ),
    ).toEqual([]);
    const apart = of('refs/heads/staging', 'refs/heads/main', 'main');
    expect(
      apart.clusters.find(c => c.name === 'apps')!.membership.reason,
    ).toMatch(/^its Flux reconciles branch staging of this repository/);
    expect(
      differing(of('refs/heads/staging', 'refs/heads/main')).map(
        f => f.message,
      ),
    ).toEqual([
      expect.stringContaining(
        `apps at branch staging (${sync(
          'apps',
        )}:11); infra at branch main (${sync('infra')}:11)`,
      ),
    ]);
  });

  it('says nothing of a cluster outside the mesh, which is not checked', () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        tracking({ apps: 'branch: apps-next' })(files);
      }),
      resolveConventions({ mesh: { exclude: ['apps'] } }),
    );
    expect(differing(report)).toEqual([]);
  });

  it("says so where a cluster outside the mesh whose files fail runs another ref: its errors are this checkout's files", () => {
    const report = validateMesh(
      exampleTree('gitops-repo', files => {
        tracking({ apps: 'branch: apps-next' })(files);
        // a value apps' files use that nothing defines
        const settings = 'kubernetes/clusters/apps/cluster-settings.yaml';
        files[settings] += '  BROKEN: "${NOT_DEFINED_ANYWHERE}"\n';
      }),
      resolveConventions({ mesh: { exclude: ['apps'] } }),
    );
    // said, and not an error of the mesh: apps is outside it
    expect(
      report.findings.find(f => f.message.includes('NOT_DEFINED')),
    ).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(
        /\(not an error here: apps is outside the mesh, and nothing ClusterMesh DNS checks depends on it\)$/,
      ),
    });
    expect(differing(report).map(f => f.message)).toEqual([
      expect.stringMatching(
        /^the clusters reconcile this repository at different refs: apps at branch apps-next .*; infra at branch main/,
      ),
    ]);
  });

  it('says nothing where they agree', () => {
    expect(
      differing(
        validateMesh(exampleTree('gitops-repo'), resolveConventions({})),
      ),
    ).toEqual([]);
  });
});

describe('a Flux Operator instance whose sync path picks the cluster folder by a variable', () => {
  const withInstance =
    (variable: string) => (files: Record<string, string>) => {
      files['kubernetes/infrastructure/flux-instance.yaml'] = [
        'apiVersion: fluxcd.controlplane.io/v1',
        'kind: FluxInstance',
        'metadata: {name: flux, namespace: flux-system}',
        'spec:',
        '  distribution: {version: 2.x, registry: ghcr.io/fluxcd}',
        '  sync:',
        '    kind: GitRepository',
        '    url: ssh://git@github.com/example/home-ops',
        '    ref: refs/heads/main',
        `    path: kubernetes/clusters/\${${variable}}`,
        '',
      ].join('\n');
      files['kubernetes/infrastructure/kustomization.yaml'] +=
        '  - flux-instance.yaml\n';
    };
  const syncingElsewhere = (variable: string) =>
    validateMesh(
      exampleTree('gitops-repo', withInstance(variable)),
      resolveConventions({ flux: { strictSubstitution: false } }),
    ).findings.filter(f => f.message.includes('not its entry point'));

  it("says where Flux makes it another folder than the cluster's: a variable not defined where it is substituted (MarkNygaard's copy)", () => {
    expect(syncingElsewhere('CLUSTER_DIR')).toEqual([
      expect.objectContaining({
        code: 'flux-error',
        severity: 'error',
        cluster: 'apps',
        message:
          'FluxInstance flux-system/flux syncs kubernetes/clusters in cluster apps, not its entry point kubernetes/clusters/apps: its sync path is written kubernetes/clusters/${CLUSTER_DIR}, and CLUSTER_DIR is not defined where Kustomization flux-system/cluster-apps-infrastructure substitutes it (Flux not strict makes it empty): define CLUSTER_DIR in the substitution of Kustomization flux-system/cluster-apps-infrastructure',
        location: {
          file: 'kubernetes/infrastructure/flux-instance.yaml',
          line: 10,
        },
      }),
      expect.objectContaining({ cluster: 'infra' }),
    ]);
  });

  it("says nothing where the variable makes it the cluster's own folder", () => {
    expect(syncingElsewhere('CLUSTER_NAME')).toEqual([]);
  });

  it("says where one cluster's path written out is what every cluster applies: the other's Flux syncs it (Mistikan's copy)", () => {
    const found = validateMesh(
      exampleTree('gitops-repo', files => {
        withInstance('CLUSTER_NAME')(files);
        files['kubernetes/infrastructure/flux-instance.yaml'] = files[
          'kubernetes/infrastructure/flux-instance.yaml'
        ].replace('${CLUSTER_NAME}', 'infra');
      }),
      resolveConventions({}),
    ).findings.filter(f => f.message.includes('the entry point of'));
    expect(found).toEqual([
      expect.objectContaining({
        code: 'flux-error',
        cluster: 'apps',
        message: expect.stringMatching(
          /^FluxInstance flux-system\/flux, which cluster apps applies too, syncs kubernetes\/clusters\/infra, the entry point of infra: the Flux of apps reconciles infra's folder, not its own \(kubernetes\/clusters\/apps\)/,
        ),
      }),
    ]);
  });

  it("says where every cluster's instance syncs a folder the repository does not have, once (binaryn3xus' copy: the clusters moved, the sync path not)", () => {
    const found = validateMesh(
      exampleTree('gitops-repo', files => {
        withInstance('CLUSTER_NAME')(files);
        files['kubernetes/infrastructure/flux-instance.yaml'] = files[
          'kubernetes/infrastructure/flux-instance.yaml'
        ].replace(
          'kubernetes/clusters/${CLUSTER_NAME}',
          'kubernetes/flux/cluster',
        );
      }),
      resolveConventions({}),
    ).findings.filter(f => f.message.includes('does not have'));
    expect(found).toEqual([
      expect.objectContaining({
        code: 'flux-error',
        severity: 'error',
        affects: expect.objectContaining({ clusters: ['apps', 'infra'] }),
        message:
          "FluxInstance flux-system/flux syncs kubernetes/flux/cluster, which the repository does not have: its sync fails and applies nothing, so nothing of this repository reaches the cluster through it, and the cluster's folder is checked as if Flux applied it; point the sync at each cluster's folder (`path: …/${CLUSTER_NAME}`, from each cluster's settings)",
      }),
    ]);
  });
});

describe('a checkout of another branch than the one every cluster reconciles', () => {
  const sync = (c: string) =>
    `kubernetes/clusters/${c}/flux-system/gotk-sync.yaml`;
  /** The conventions' flux.branch line of a report read from branch `read`. */
  const branchLine = (read: string, refs: Record<string, string> = {}) =>
    validateMesh(
      exampleTree('gitops-repo', files => {
        for (const [c, ref] of Object.entries(refs))
          files[sync(c)] = files[sync(c)].replace('branch: main', ref);
      }),
      resolveConventions(
        {},
        {
          conventions: { flux: { branch: read } },
          found: [
            {
              setting: 'flux.branch',
              value: read,
              source: 'detected',
              reason: `the folder is a checkout of branch ${read} (.git/HEAD)`,
            },
          ],
        },
      ),
    ).conventions.find(p => p.setting === 'flux.branch')?.reason;

  it('says the files are read as a change proposed to that branch', () => {
    expect(branchLine('feature-x')).toBe(
      `the folder is a checkout of branch feature-x (.git/HEAD), and every cluster's Flux reconciles branch main (${sync(
        'apps',
      )}:11): these files are read as a change proposed to it`,
    );
  });

  it('says nothing of a proposal where every cluster is pinned to a tag, or where the branch read is theirs', () => {
    expect(
      branchLine('feature-x', { apps: 'tag: v1', infra: 'tag: v1' }),
    ).toBeUndefined();
    expect(branchLine('main')).toBeUndefined();
  });
});
