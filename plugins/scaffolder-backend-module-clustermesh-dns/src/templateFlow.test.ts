import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import yaml from 'yaml';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  createMockDirectory,
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { createFetchPlainAction } from '@backstage/plugin-scaffolder-backend';
import { createPublishGithubPullRequestAction } from '@backstage/plugin-scaffolder-backend-module-github';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createClustermeshDnsConfigureAction } from './actions/configure';

// The template's steps, run in order with the real fetch:plain (through the
// backend's GitHub URL reader) and publish:github:pull-request actions; msw
// stands in for the GitHub API, serving the repository as GitHub's tarball.

const examples = path.resolve(__dirname, '../../../examples');
const template = yaml.parse(
  fs.readFileSync(
    path.join(examples, 'templates/clustermesh-dns/template.yaml'),
    'utf8',
  ),
);
const stepInput = (id: string) =>
  template.spec.steps.find((s: any) => s.id === id).input;

interface Recorded {
  method: string;
  path: string;
  body: any;
}

describe('the ClusterMesh DNS template, end to end against a GitHub double', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const mockDir = createMockDirectory();
  // with CI set, Backstage leaves mock directories for the machine to drop
  afterAll(() => mockDir.remove());
  const config = new ConfigReader({
    integrations: { github: [{ host: 'github.com', token: 'test-token' }] },
  });
  const integrations = ScmIntegrations.fromConfig(config);
  const reader = UrlReaders.default({
    config,
    logger: mockServices.logger.mock(),
  });

  /** The repository folder as GitHub serves a tarball: under one top folder. */
  async function tarballOf(repoDir: string): Promise<Buffer> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-tarball-'));
    try {
      fs.cpSync(repoDir, path.join(work, 'acme-gitops-base-sha'), {
        recursive: true,
      });
      const file = path.join(work, 'repo.tar.gz');
      await tar.create({ gzip: true, cwd: work, file }, [
        'acme-gitops-base-sha',
      ]);
      return fs.readFileSync(file);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  function githubDouble(recorded: Recorded[], tarball: Buffer) {
    let blob = 0;
    const record = async (request: Request) => {
      const url = new URL(request.url);
      const body =
        request.method === 'GET' ? undefined : await request.clone().json();
      recorded.push({ method: request.method, path: url.pathname, body });
      return body;
    };
    const api = 'https://api.github.com';
    const repo = `${api}/repos/acme/gitops`;
    // method, URL, status, response body (a function for per-call bodies)
    const routes: Array<
      ['get' | 'post', string, number, unknown | (() => unknown)]
    > = [
      [
        'get',
        `${repo}/commits/main/status`,
        200,
        {
          sha: 'base-sha',
          repository: { archive_url: `${repo}/{archive_format}{/ref}` },
        },
      ],
      [
        'get',
        repo,
        200,
        {
          permissions: { push: true },
          default_branch: 'main',
          owner: { login: 'acme' },
          name: 'gitops',
        },
      ],
      [
        'get',
        `${repo}/commits`,
        200,
        [{ sha: 'base-sha', commit: { tree: { sha: 'base-tree' } } }],
      ],
      ['post', `${repo}/git/blobs`, 201, () => ({ sha: `blob-${++blob}` })],
      ['post', `${repo}/git/trees`, 201, { sha: 'new-tree' }],
      ['post', `${repo}/git/commits`, 201, { sha: 'new-commit' }],
      [
        'post',
        `${repo}/git/refs`,
        201,
        { ref: 'refs/heads/clustermesh-dns-a5e1c7d2-task' },
      ],
      [
        'post',
        `${repo}/pulls`,
        201,
        {
          number: 42,
          html_url: 'https://github.com/acme/gitops/pull/42',
          base: { ref: 'main' },
        },
      ],
      ['post', `${api}/graphql`, 200, { data: { repository: { ref: null } } }],
    ];
    server.use(
      http.get(`${repo}/tarball/base-sha`, async ({ request }) => {
        await record(request);
        return new HttpResponse(tarball, {
          headers: { 'Content-Type': 'application/x-gzip' },
        });
      }),
      ...routes.map(([method, url, status, body]) =>
        http[method](url, async ({ request }) => {
          await record(request);
          return HttpResponse.json(typeof body === 'function' ? body() : body, {
            status,
          });
        }),
      ),
      http.all('*', async ({ request }) => {
        await record(request);
        return HttpResponse.json(
          { message: `unexpected ${request.method} ${request.url}` },
          { status: 500 },
        );
      }),
    );
  }

  const taskId = 'a5e1c7d2-task';
  /** The template's step input as the scaffolder renders it for this task. */
  const rendered = (input: Record<string, unknown>) =>
    JSON.parse(
      JSON.stringify(input).replace(/\$\{\{ context\.task\.id \}\}/g, taskId),
    );

  async function runTemplate(
    repoDir: string,
    clusters = [
      { name: 'infra', ip: '10.25.11.100' },
      { name: 'apps', ip: '10.25.11.120' },
    ],
  ) {
    mockDir.clear();
    const recorded: Recorded[] = [];
    githubDouble(recorded, await tarballOf(repoDir));
    const workspacePath = mockDir.path;
    const parameters = {
      repoUrl: 'github.com?owner=acme&repo=gitops',
      branch: 'main',
      clusters,
    };
    const context = (input: any) => {
      const ctx = createMockActionContext({ input, workspacePath });
      return ctx;
    };
    const fetch = createFetchPlainAction({ reader, integrations });
    await fetch.handler(
      context({
        url: 'https://github.com/acme/gitops/tree/main',
        targetPath: stepInput('fetch').targetPath,
      }),
    );
    const configure = context({
      ...stepInput('clustermesh-dns'),
      clusters: parameters.clusters,
      remove: [],
      // the optional field left empty: the repository's names
      fqdnTemplate: '',
      ttl: 300,
      mode: 'externaldns',
    });
    await createClustermeshDnsConfigureAction().handler(configure);
    const outputs = Object.fromEntries(
      (configure.output as jest.Mock).mock.calls,
    );
    const publishInput = rendered(stepInput('publish-github'));
    const publish = context({
      ...publishInput,
      repoUrl: parameters.repoUrl,
      targetBranchName: parameters.branch,
      description: outputs.summary,
    });
    await createPublishGithubPullRequestAction({ integrations }).handler(
      publish,
    );
    return { recorded, outputs, publish };
  }

  it('sends one blob per changed file, a tree, a commit, the branch and the pull request with the summary', async () => {
    const { recorded, outputs, publish } = await runTemplate(
      path.join(examples, 'templates/clustermesh-dns/gitops-repo-before'),
    );
    // fetch:plain read the repository from GitHub: the commit, then its tarball
    expect(recorded.slice(0, 2).map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/gitops/commits/main/status',
      'GET /repos/acme/gitops/tarball/base-sha',
    ]);
    const blobs = recorded.filter(
      r => r.method === 'POST' && r.path.endsWith('/git/blobs'),
    );
    expect(blobs).toHaveLength(outputs.changedPaths.length);
    const tree = recorded.find(r => r.path.endsWith('/git/trees'))!;
    expect(tree.body.tree.map((t: any) => t.path).sort()).toEqual(
      [...outputs.changedPaths].sort(),
    );
    expect(
      recorded.find(r => r.path.endsWith('/git/commits'))!.body,
    ).toMatchObject({ tree: 'new-tree', parents: ['base-sha'] });
    expect(
      recorded.find(r => r.path.endsWith('/git/refs'))!.body,
    ).toMatchObject({
      // a branch of its own for each run: a second run opens its own pull request
      ref: 'refs/heads/clustermesh-dns-a5e1c7d2-task',
      sha: 'new-commit',
    });
    const pull = recorded.find(r => r.path.endsWith('/pulls'))!;
    expect(pull.body).toMatchObject({
      head: 'acme:clustermesh-dns-a5e1c7d2-task',
      base: 'main',
      body: outputs.summary,
    });
    expect(pull.body.body).toContain(
      '| infra | `clustermesh-infra.${SECRET_DOMAIN}` | A | 10.25.11.100 | 300 |',
    );
    expect(publish.output).toHaveBeenCalledWith(
      'remoteUrl',
      'https://github.com/acme/gitops/pull/42',
    );
  });

  it('on a repository with settings in env files and a shared HelmRelease, sends exactly the changed files', async () => {
    const repoDir = path.resolve(
      __dirname,
      '../../clustermesh-dns-engine/fixtures/configure-env/repo',
    );
    const { recorded, outputs } = await runTemplate(repoDir, [
      { name: 'home', ip: '10.40.0.100' },
      { name: 'lab', ip: '10.40.1.100' },
    ]);
    const changed = [
      'kubernetes/clusters/home/settings/cluster-settings.env',
      'kubernetes/clusters/lab/settings/cluster-settings.env',
      'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
      'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml',
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
    ];
    expect(outputs.changedPaths).toEqual(changed);
    // the files that differ in the workspace are exactly those the pull request carries
    const workspaceRepo = path.join(
      mockDir.path,
      stepInput('fetch').targetPath,
    );
    const differing = changed.filter(
      p =>
        !fs.existsSync(path.join(repoDir, p)) ||
        fs.readFileSync(path.join(repoDir, p), 'utf8') !==
          fs.readFileSync(path.join(workspaceRepo, p), 'utf8'),
    );
    expect(differing).toEqual(changed);
    const tree = recorded.find(r => r.path.endsWith('/git/trees'))!;
    expect(tree.body.tree.map((t: any) => t.path).sort()).toEqual(changed);
    const blobs = recorded.filter(
      r => r.method === 'POST' && r.path.endsWith('/git/blobs'),
    );
    expect(blobs).toHaveLength(changed.length);
    const env = Buffer.from(
      blobs.find(b =>
        Buffer.from(
          b.body.content,
          b.body.encoding === 'base64' ? 'base64' : 'utf8',
        )
          .toString()
          .includes('CLUSTER_NAME=home'),
      )!.body.content,
      'base64',
    ).toString();
    expect(env).toContain(
      'CILIUM_CLUSTERMESH_FQDN=clustermesh-home.example.com',
    );
    expect(outputs.alreadyThere).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('${DS_PROMETHEUS}'),
      }),
    ]);
  });

  it('makes as many requests for a repository 100 times larger', async () => {
    const small = await runTemplate(
      path.join(examples, 'templates/clustermesh-dns/gitops-repo-before'),
    );
    const large = createMockDirectory();
    fs.cpSync(
      path.join(examples, 'templates/clustermesh-dns/gitops-repo-before'),
      large.path,
      {
        recursive: true,
      },
    );
    for (let i = 0; i < 2000; i++)
      large.addContent({
        [`apps/team-${
          i % 40
        }/app-${i}.yaml`]: `kind: ConfigMap\nmetadata:\n  name: app-${i}\n`,
      });
    // made inside a test: removed here, not left in the temporary folder
    const big = await runTemplate(large.path).finally(() => large.remove());
    expect(big.recorded.map(r => `${r.method} ${r.path}`)).toEqual(
      small.recorded.map(r => `${r.method} ${r.path}`),
    );
  });
});

describe('the template file', () => {
  const action = createClustermeshDnsConfigureAction();
  const inputSchema = action.schema?.input as any;

  it('gives the action only inputs its schema knows, and is in the app catalog', () => {
    const step = template.spec.steps.find(
      (s: any) => s.action === 'clustermesh:dns:configure',
    );
    const known = Object.keys(inputSchema.properties);
    expect(known).toEqual(expect.arrayContaining(Object.keys(step.input)));
    expect(template.spec.steps.map((s: any) => s.action)).toEqual([
      'fetch:plain',
      'fetch:plain',
      'clustermesh:dns:configure',
      'publish:github:pull-request',
      'publish:gitlab:merge-request',
    ]);
    const appConfig = fs.readFileSync(
      path.resolve(__dirname, '../../../app-config.yaml'),
      'utf8',
    );
    expect(appConfig).toContain(
      'target: ../../examples/templates/clustermesh-dns/template.yaml',
    );
  });

  it('describes every input field of the action', () => {
    for (const [name, field] of Object.entries<any>(inputSchema.properties))
      expect([name, typeof field.description]).toEqual([name, 'string']);
  });
});
