import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GitError, gitLine, runGit } from './git';

/**
 * A GitHub stand-in on loopback: a small but real git host. Each repository
 * is a bare git repository; the REST endpoints that Backstage's GitHub URL
 * reader (`readTree`: a ref's commit, then its tarball) and
 * `publish:github:pull-request` (octokit-plugin-create-pull-request: the
 * repository, the base commit, blobs, a tree on the base tree, a commit, the
 * branch, the pull request) call are answered by git itself: blobs are
 * `hash-object`, trees are built in an index from the base tree, commits are
 * `commit-tree`, branches are refs, and a tarball is `git archive` of the
 * commit, under one top folder as GitHub serves it. A pull request's branch
 * is therefore readable back through the same URL reader.
 *
 * Every request must carry the configured token (401 otherwise, as GitHub
 * answers "Bad credentials"); every request is recorded; a request no route
 * answers is a 404 and is listed by `unexpected()`.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  /** No route of the stand-in answers it. */
  unexpected?: boolean;
}

export interface StandInPullRequest {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  headSha: string;
  baseSha: string;
  draft: boolean;
  htmlUrl: string;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly extra = {}) {
    super(message);
  }
}

type Json = Record<string, any>;
interface RouteContext {
  method: string;
  url: URL;
  params: string[];
  body: () => Promise<Json>;
}
interface Answer {
  status?: number;
  json?: unknown;
  raw?: { body: Buffer; type: string };
}

const zeroSha = '0000000000000000000000000000000000000000';
const safeRef = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/+-]+$/;
const shaPattern = /^[0-9a-f]{40}$/;

export class GithubStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly pulls: StandInPullRequest[] = [];
  readonly #server: http.Server;
  readonly #gitDir: string;
  readonly #work: string;
  #apiBaseUrl = '';
  #tmpCounter = 0;

  private constructor(
    readonly owner: string,
    readonly repo: string,
    readonly token: string,
    readonly defaultBranch: string,
    work: string,
  ) {
    this.#work = work;
    this.#gitDir = path.join(work, `${owner}-${repo}.git`);
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch(error => {
        // a defect of the stand-in: answered, and visible in the recording
        this.#send(res, req, 500, { message: String(error?.stack ?? error) });
      });
    });
  }

  /**
   * A stand-in holding one repository `owner/repo` whose `branch` is one
   * commit of the files of `folder`. Listens on a free loopback port.
   */
  static async start(options: {
    owner: string;
    repo: string;
    token: string;
    folder: string;
    branch?: string;
  }): Promise<GithubStandIn> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-github-'));
    const branch = options.branch ?? 'main';
    const standIn = new GithubStandIn(
      options.owner,
      options.repo,
      options.token,
      branch,
      work,
    );
    await standIn.#importFolder(options.folder, branch);
    await new Promise<void>((resolve, reject) => {
      standIn.#server.once('error', reject);
      standIn.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = standIn.#server.address() as AddressInfo;
    standIn.#apiBaseUrl = `http://127.0.0.1:${port}`;
    return standIn;
  }

  /** What the integration's `apiBaseUrl` is set to. */
  get apiBaseUrl(): string {
    return this.#apiBaseUrl;
  }

  /** The requests no route answered. */
  unexpected(): RecordedRequest[] {
    return this.requests.filter(r => r.unexpected);
  }

  async stop(): Promise<void> {
    await new Promise<void>(resolve => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    fs.rmSync(this.#work, { recursive: true, force: true });
  }

  /** The commit a ref (branch, tag, `pull/N/head`, SHA) points at, or undefined. */
  async resolve(ref: string): Promise<string | undefined> {
    if (!safeRef.test(ref)) return undefined;
    try {
      return await gitLine(this.#gitDir, [
        'rev-parse',
        '--verify',
        '--quiet',
        `${ref}^{commit}`,
      ]);
    } catch {
      return undefined;
    }
  }

  /** Every file of a ref, path → content. */
  async files(ref: string): Promise<Record<string, string>> {
    const sha = await this.resolve(ref);
    if (!sha) throw new Error(`no ref ${ref}`);
    const listing = await gitLine(this.#gitDir, [
      'ls-tree',
      '-r',
      '-z',
      '--name-only',
      sha,
    ]);
    const result: Record<string, string> = {};
    for (const file of listing.split('\0').filter(Boolean))
      result[file] = (
        await runGit(this.#gitDir, ['cat-file', 'blob', `${sha}:${file}`])
      ).toString('utf8');
    return result;
  }

  /** The paths that differ between two refs. */
  async changedPaths(base: string, head: string): Promise<string[]> {
    const out = await gitLine(this.#gitDir, [
      'diff',
      '--name-only',
      '-z',
      base,
      head,
    ]);
    return out.split('\0').filter(Boolean).sort();
  }

  // --- the repository ------------------------------------------------------

  async #importFolder(folder: string, branch: string) {
    await runGit(this.#gitDir, ['init', '--bare', '--quiet', this.#gitDir]);
    const index = this.#tmpIndex();
    try {
      const env = { GIT_INDEX_FILE: index };
      await runGit(this.#gitDir, [`--work-tree=${folder}`, 'add', '-A'], {
        env,
      });
      const tree = await gitLine(this.#gitDir, ['write-tree'], { env });
      // a fixed date: the imported commit's SHA is the same on every run
      const date = '2025-10-26T12:00:00Z';
      const commit = await gitLine(
        this.#gitDir,
        ['commit-tree', tree, '-F', '-'],
        {
          input: 'Flux repository before Story 13\n',
          env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
        },
      );
      await runGit(this.#gitDir, [
        'update-ref',
        `refs/heads/${branch}`,
        commit,
      ]);
      await runGit(this.#gitDir, [
        'symbolic-ref',
        'HEAD',
        `refs/heads/${branch}`,
      ]);
    } finally {
      fs.rmSync(index, { force: true });
    }
  }

  #tmpIndex(): string {
    this.#tmpCounter += 1;
    return path.join(this.#work, `index-${process.pid}-${this.#tmpCounter}`);
  }

  async #objectType(sha: string): Promise<string | undefined> {
    if (!shaPattern.test(sha)) return undefined;
    try {
      return await gitLine(this.#gitDir, ['cat-file', '-t', sha]);
    } catch {
      return undefined;
    }
  }

  async #commitJson(sha: string): Promise<Json> {
    const [tree, parents, an, ae, ad, cn, ce, cd, message] = (
      await runGit(this.#gitDir, [
        'show',
        '-s',
        '--format=%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B',
        sha,
      ])
    )
      .toString('utf8')
      .split('\0');
    const api = `${this.#apiBaseUrl}/repos/${this.owner}/${this.repo}`;
    return {
      sha,
      node_id: `C_${sha}`,
      url: `${api}/git/commits/${sha}`,
      html_url: `https://github.com/${this.owner}/${this.repo}/commit/${sha}`,
      author: { name: an, email: ae, date: ad },
      committer: { name: cn, email: ce, date: cd },
      tree: { sha: tree, url: `${api}/git/trees/${tree}` },
      message: message.replace(/\n$/, ''),
      parents: parents
        .split(' ')
        .filter(Boolean)
        .map(p => ({ sha: p, url: `${api}/git/commits/${p}` })),
      verification: { verified: false, reason: 'unsigned' },
    };
  }

  #repositoryJson(): Json {
    const api = `${this.#apiBaseUrl}/repos/${this.owner}/${this.repo}`;
    return {
      id: 1,
      node_id: 'R_standin',
      name: this.repo,
      full_name: `${this.owner}/${this.repo}`,
      private: true,
      owner: { login: this.owner, type: 'Organization' },
      html_url: `https://github.com/${this.owner}/${this.repo}`,
      url: api,
      default_branch: this.defaultBranch,
      permissions: { admin: false, maintain: false, push: true, pull: true },
      archive_url: `${api}/{archive_format}{/ref}`,
      trees_url: `${api}/git/trees{/sha}`,
      commits_url: `${api}/commits{/sha}`,
    };
  }

  #pullJson(pull: StandInPullRequest): Json {
    const api = `${this.#apiBaseUrl}/repos/${this.owner}/${this.repo}`;
    const repo = this.#repositoryJson();
    return {
      id: pull.number,
      number: pull.number,
      state: 'open',
      title: pull.title,
      body: pull.body,
      draft: pull.draft,
      url: `${api}/pulls/${pull.number}`,
      html_url: pull.htmlUrl,
      user: { login: 'e2e-user' },
      head: {
        label: `${this.owner}:${pull.head}`,
        ref: pull.head,
        sha: pull.headSha,
        repo,
      },
      base: {
        label: `${this.owner}:${pull.base}`,
        ref: pull.base,
        sha: pull.baseSha,
        repo,
      },
    };
  }

  // --- HTTP ----------------------------------------------------------------

  #send(
    res: http.ServerResponse,
    req: http.IncomingMessage,
    status: number,
    json?: unknown,
    raw?: Answer['raw'],
    unexpected?: boolean,
  ) {
    this.requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '',
      status,
      ...(unexpected ? { unexpected } : {}),
    });
    if (res.headersSent) return;
    const headers: http.OutgoingHttpHeaders = {
      'x-github-media-type': 'github.v3',
      'x-oauth-scopes': 'repo',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
    };
    if (raw) {
      res.writeHead(status, { ...headers, 'content-type': raw.type });
      res.end(req.method === 'HEAD' ? undefined : raw.body);
      return;
    }
    if (json === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const body = Buffer.from(JSON.stringify(json));
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = (req.method ?? 'GET').toUpperCase();
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) {
      this.#send(res, req, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
      });
      return;
    }
    let bodyPromise: Promise<Json> | undefined;
    const body = () => {
      bodyPromise ??= new Promise<Json>((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on('data', c => chunks.push(c));
        req.on('error', reject);
        req.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve(text ? JSON.parse(text) : {});
          } catch {
            reject(new HttpError(400, 'Problems parsing JSON'));
          }
        });
      });
      return bodyPromise;
    };
    type Route = [string, RegExp, (ctx: RouteContext) => Promise<Answer>];
    // outside the repository, matched against the whole path
    const topRoutes: Route[] = [
      ['POST', /^\/graphql$/, ctx => this.#graphql(ctx)],
      ['GET', /^\/user$/, async () => ({ json: { login: 'e2e-user' } })],
    ];
    // under /repos/<owner>/<repo>, matched against the rest of the path
    const repoRoutes: Route[] = [
      ['GET', /^$/, async () => ({ json: this.#repositoryJson() })],
      ['GET', /^\/commits$/, ctx => this.#listCommits(ctx)],
      ['GET', /^\/commits\/(.+)\/status$/, ctx => this.#commitStatus(ctx)],
      ['GET', /^\/commits\/([^/]+)$/, ctx => this.#getCommitOfRef(ctx)],
      ['GET', /^\/(tarball|zipball)\/(.+)$/, ctx => this.#archive(ctx)],
      ['GET', /^\/contents\/(.+)$/, ctx => this.#contents(ctx)],
      ['HEAD', /^\/contents\/(.+)$/, ctx => this.#contents(ctx)],
      ['POST', /^\/git\/blobs$/, ctx => this.#createBlob(ctx)],
      ['GET', /^\/git\/blobs\/([0-9a-f]{40})$/, ctx => this.#getBlob(ctx)],
      ['POST', /^\/git\/trees$/, ctx => this.#createTree(ctx)],
      ['GET', /^\/git\/trees\/([^/]+)$/, ctx => this.#getTree(ctx)],
      ['POST', /^\/git\/commits$/, ctx => this.#createCommit(ctx)],
      [
        'GET',
        /^\/git\/commits\/([0-9a-f]{40})$/,
        async ctx => this.#existingCommit(ctx.params[0]),
      ],
      ['GET', /^\/git\/refs?\/(.+)$/, ctx => this.#getRef(ctx)],
      ['POST', /^\/git\/refs$/, ctx => this.#createRef(ctx)],
      ['PATCH', /^\/git\/refs\/(.+)$/, ctx => this.#updateRef(ctx)],
      ['DELETE', /^\/git\/refs\/(.+)$/, ctx => this.#deleteRef(ctx)],
      ['POST', /^\/pulls$/, ctx => this.#createPull(ctx)],
      ['GET', /^\/pulls$/, ctx => this.#listPulls(ctx)],
      ['GET', /^\/pulls\/(\d+)$/, ctx => this.#getPull(ctx)],
    ];
    const repoPrefix = `/repos/${this.owner}/${this.repo}`;
    const candidates: Array<[Route, string]> = [
      ...topRoutes.map(r => [r, url.pathname] as [Route, string]),
      ...(url.pathname === repoPrefix ||
      url.pathname.startsWith(`${repoPrefix}/`)
        ? repoRoutes.map(
            r => [r, url.pathname.slice(repoPrefix.length)] as [Route, string],
          )
        : []),
    ];
    for (const [[routeMethod, pattern, handler], local] of candidates) {
      if (routeMethod !== method) continue;
      const match = pattern.exec(local);
      if (!match) continue;
      try {
        const params = match.slice(1).map(p => decodeURIComponent(p));
        const answer = await handler({ method, url, params, body });
        this.#send(res, req, answer.status ?? 200, answer.json, answer.raw);
      } catch (error) {
        if (error instanceof HttpError)
          this.#send(res, req, error.status, {
            message: error.message,
            ...error.extra,
            documentation_url: 'https://docs.github.com/rest',
          });
        else throw error;
      }
      return;
    }
    this.#send(
      res,
      req,
      404,
      {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
      },
      undefined,
      true,
    );
  }

  async #mustResolve(
    ref: string,
    what = 'No commit found for SHA',
  ): Promise<string> {
    const sha = await this.resolve(ref);
    if (!sha) throw new HttpError(404, `${what}: ${ref}`);
    return sha;
  }

  async #listCommits(ctx: RouteContext): Promise<Answer> {
    const ref = ctx.url.searchParams.get('sha') ?? this.defaultBranch;
    const perPage = Math.min(
      100,
      Math.max(1, Number(ctx.url.searchParams.get('per_page') ?? 30)),
    );
    const sha = await this.#mustResolve(ref);
    const shas = (
      await gitLine(this.#gitDir, ['rev-list', `--max-count=${perPage}`, sha])
    )
      .split('\n')
      .filter(Boolean);
    const items = [];
    for (const s of shas) items.push(await this.#commitListItem(s));
    return { json: items };
  }

  async #commitListItem(sha: string): Promise<Json> {
    const commit = await this.#commitJson(sha);
    return {
      sha,
      node_id: commit.node_id,
      url: `${this.#apiBaseUrl}/repos/${this.owner}/${
        this.repo
      }/commits/${sha}`,
      html_url: commit.html_url,
      commit: {
        author: commit.author,
        committer: commit.committer,
        message: commit.message,
        tree: commit.tree,
      },
      parents: commit.parents,
    };
  }

  async #getCommitOfRef(ctx: RouteContext): Promise<Answer> {
    return {
      json: await this.#commitListItem(await this.#mustResolve(ctx.params[0])),
    };
  }

  async #commitStatus(ctx: RouteContext): Promise<Answer> {
    const sha = await this.#mustResolve(ctx.params[0]);
    return {
      json: {
        state: 'pending',
        sha,
        total_count: 0,
        statuses: [],
        repository: this.#repositoryJson(),
      },
    };
  }

  async #archive(ctx: RouteContext): Promise<Answer> {
    const [format, ref] = ctx.params;
    const sha = await this.#mustResolve(ref);
    const prefix = `${this.owner}-${this.repo}-${sha.slice(0, 7)}/`;
    const body = await runGit(this.#gitDir, [
      'archive',
      `--format=${format === 'tarball' ? 'tar.gz' : 'zip'}`,
      `--prefix=${prefix}`,
      sha,
    ]);
    return {
      raw: {
        body,
        type: format === 'tarball' ? 'application/x-gzip' : 'application/zip',
      },
    };
  }

  async #contents(ctx: RouteContext): Promise<Answer> {
    const file = ctx.params[0].replace(/^\/+|\/+$/g, '');
    const ref = ctx.url.searchParams.get('ref') ?? this.defaultBranch;
    const sha = await this.#mustResolve(ref);
    const spec = `${sha}:${file}`;
    let type: string;
    try {
      type = await gitLine(this.#gitDir, ['cat-file', '-t', spec]);
    } catch {
      throw new HttpError(404, 'Not Found');
    }
    if (type !== 'blob') {
      const listing = await gitLine(this.#gitDir, ['ls-tree', '-z', spec]);
      return {
        json: listing
          .split('\0')
          .filter(Boolean)
          .map(line => {
            const [meta, name] = line.split('\t');
            const [, kind, objectSha] = meta.split(' ');
            return {
              type: kind === 'tree' ? 'dir' : 'file',
              name,
              path: `${file}/${name}`,
              sha: objectSha,
            };
          }),
      };
    }
    const content = await runGit(this.#gitDir, ['cat-file', 'blob', spec]);
    const blobSha = await gitLine(this.#gitDir, ['rev-parse', spec]);
    return {
      json: {
        type: 'file',
        encoding: 'base64',
        size: content.length,
        name: path.posix.basename(file),
        path: file,
        sha: blobSha,
        content: content.toString('base64'),
      },
    };
  }

  async #createBlob(ctx: RouteContext): Promise<Answer> {
    const { content, encoding = 'utf-8' } = await ctx.body();
    if (typeof content !== 'string')
      throw new HttpError(422, 'Invalid request: content is required');
    if (encoding !== 'utf-8' && encoding !== 'base64')
      throw new HttpError(422, `Invalid request: encoding ${encoding}`);
    const bytes = Buffer.from(
      content,
      encoding === 'base64' ? 'base64' : 'utf8',
    );
    const sha = await gitLine(this.#gitDir, ['hash-object', '-w', '--stdin'], {
      input: bytes,
    });
    return {
      status: 201,
      json: {
        sha,
        url: `${this.#apiBaseUrl}/repos/${this.owner}/${
          this.repo
        }/git/blobs/${sha}`,
      },
    };
  }

  async #getBlob(ctx: RouteContext): Promise<Answer> {
    const sha = ctx.params[0];
    if ((await this.#objectType(sha)) !== 'blob')
      throw new HttpError(404, 'Not Found');
    const bytes = await runGit(this.#gitDir, ['cat-file', 'blob', sha]);
    return {
      json: {
        sha,
        size: bytes.length,
        encoding: 'base64',
        content: bytes.toString('base64'),
      },
    };
  }

  async #treeEntries(sha: string, recursive: boolean): Promise<Json[]> {
    const listing = await gitLine(this.#gitDir, [
      'ls-tree',
      '-z',
      '-l',
      ...(recursive ? ['-r', '-t'] : []),
      sha,
    ]);
    const api = `${this.#apiBaseUrl}/repos/${this.owner}/${this.repo}`;
    return listing
      .split('\0')
      .filter(Boolean)
      .map(line => {
        const [meta, entryPath] = line.split('\t');
        const [mode, type, objectSha, size] = meta.split(/\s+/);
        return {
          path: entryPath,
          mode,
          type,
          sha: objectSha,
          ...(type === 'blob' ? { size: Number(size) } : {}),
          url: `${api}/git/${type === 'blob' ? 'blobs' : 'trees'}/${objectSha}`,
        };
      });
  }

  async #createTree(ctx: RouteContext): Promise<Answer> {
    const { base_tree: baseTree, tree } = await ctx.body();
    if (!Array.isArray(tree))
      throw new HttpError(422, 'Invalid request: tree is required');
    if (baseTree !== undefined && (await this.#objectType(baseTree)) !== 'tree')
      throw new HttpError(422, `base_tree ${baseTree} is not a tree`);
    const index = this.#tmpIndex();
    const env = { GIT_INDEX_FILE: index };
    try {
      await runGit(
        this.#gitDir,
        baseTree ? ['read-tree', baseTree] : ['read-tree', '--empty'],
        { env },
      );
      const lines: string[] = [];
      for (const entry of tree) {
        const entryPath = String(entry.path ?? '');
        if (!entryPath || entryPath.startsWith('/') || entryPath.includes('..'))
          throw new HttpError(422, `Invalid tree entry path "${entryPath}"`);
        const mode = String(entry.mode ?? '');
        if (!['100644', '100755', '120000'].includes(mode))
          throw new HttpError(
            422,
            `tree entry ${entryPath}: mode ${mode} is not supported by the stand-in (files only)`,
          );
        if (entry.sha === null) {
          lines.push(`0 ${zeroSha}\t${entryPath}`);
          continue;
        }
        let sha: string;
        if (typeof entry.content === 'string') {
          sha = await gitLine(this.#gitDir, ['hash-object', '-w', '--stdin'], {
            input: Buffer.from(entry.content, 'utf8'),
          });
        } else if (typeof entry.sha === 'string') {
          if ((await this.#objectType(entry.sha)) !== 'blob')
            throw new HttpError(
              422,
              `tree entry ${entryPath}: ${entry.sha} is not a blob`,
            );
          sha = entry.sha;
        } else {
          throw new HttpError(
            422,
            `tree entry ${entryPath}: sha or content is required`,
          );
        }
        lines.push(`${mode} ${sha}\t${entryPath}`);
      }
      await runGit(this.#gitDir, ['update-index', '--index-info'], {
        env,
        input: `${lines.join('\n')}\n`,
      });
      const sha = await gitLine(this.#gitDir, ['write-tree'], { env });
      return {
        status: 201,
        json: {
          sha,
          url: `${this.#apiBaseUrl}/repos/${this.owner}/${
            this.repo
          }/git/trees/${sha}`,
          tree: await this.#treeEntries(sha, false),
          truncated: false,
        },
      };
    } finally {
      fs.rmSync(index, { force: true });
    }
  }

  async #getTree(ctx: RouteContext): Promise<Answer> {
    const ref = ctx.params[0];
    let sha = ref;
    if ((await this.#objectType(ref)) !== 'tree') {
      const commit = await this.resolve(ref);
      if (!commit) throw new HttpError(404, 'Not Found');
      sha = await gitLine(this.#gitDir, ['rev-parse', `${commit}^{tree}`]);
    }
    const recursive = ['1', 'true'].includes(
      ctx.url.searchParams.get('recursive') ?? '',
    );
    return {
      json: {
        sha,
        url: `${this.#apiBaseUrl}/repos/${this.owner}/${
          this.repo
        }/git/trees/${sha}`,
        tree: await this.#treeEntries(sha, recursive),
        truncated: false,
      },
    };
  }

  async #createCommit(ctx: RouteContext): Promise<Answer> {
    const { message, tree, parents = [], author, committer } = await ctx.body();
    if (typeof message !== 'string')
      throw new HttpError(422, 'Invalid request: message is required');
    if ((await this.#objectType(tree)) !== 'tree')
      throw new HttpError(422, `Tree SHA does not exist: ${tree}`);
    for (const parent of parents)
      if ((await this.#objectType(parent)) !== 'commit')
        throw new HttpError(422, `Parent SHA does not exist: ${parent}`);
    const who = author ?? {
      name: 'e2e-user',
      email: 'e2e-user@example.invalid',
    };
    const by = committer ?? who;
    const now = new Date().toISOString();
    const sha = await gitLine(
      this.#gitDir,
      [
        'commit-tree',
        tree,
        ...parents.flatMap((p: string) => ['-p', p]),
        '-F',
        '-',
      ],
      {
        input: message.endsWith('\n') ? message : `${message}\n`,
        env: {
          GIT_AUTHOR_NAME: who.name,
          GIT_AUTHOR_EMAIL: who.email,
          GIT_AUTHOR_DATE: who.date ?? now,
          GIT_COMMITTER_NAME: by.name,
          GIT_COMMITTER_EMAIL: by.email,
          GIT_COMMITTER_DATE: by.date ?? now,
        },
      },
    );
    return { status: 201, json: await this.#commitJson(sha) };
  }

  async #existingCommit(sha: string): Promise<Answer> {
    if ((await this.#objectType(sha)) !== 'commit')
      throw new HttpError(404, 'Not Found');
    return { json: await this.#commitJson(sha) };
  }

  #qualified(ref: string): string {
    const full = ref.startsWith('refs/') ? ref : `refs/${ref}`;
    if (!safeRef.test(full) || full.split('/').length < 3)
      throw new HttpError(422, `Reference name is not valid: ${ref}`);
    return full;
  }

  async #refSha(full: string): Promise<string | undefined> {
    try {
      return await gitLine(this.#gitDir, [
        'rev-parse',
        '--verify',
        '--quiet',
        full,
      ]);
    } catch {
      return undefined;
    }
  }

  #refJson(full: string, sha: string): Json {
    return {
      ref: full,
      node_id: `REF_${full}`,
      url: `${this.#apiBaseUrl}/repos/${this.owner}/${this.repo}/git/${full}`,
      object: {
        sha,
        type: 'commit',
        url: `${this.#apiBaseUrl}/repos/${this.owner}/${
          this.repo
        }/git/commits/${sha}`,
      },
    };
  }

  async #getRef(ctx: RouteContext): Promise<Answer> {
    const full = this.#qualified(ctx.params[0]);
    const sha = await this.#refSha(full);
    if (!sha) throw new HttpError(404, 'Not Found');
    return { json: this.#refJson(full, sha) };
  }

  async #createRef(ctx: RouteContext): Promise<Answer> {
    const { ref, sha } = await ctx.body();
    if (typeof ref !== 'string' || !ref.startsWith('refs/'))
      throw new HttpError(422, 'Reference name must start with refs/');
    const full = this.#qualified(ref);
    if ((await this.#objectType(sha)) !== 'commit')
      throw new HttpError(422, 'Object does not exist');
    if (await this.#refSha(full))
      throw new HttpError(422, 'Reference already exists');
    await runGit(this.#gitDir, ['update-ref', full, sha, zeroSha]);
    return { status: 201, json: this.#refJson(full, sha) };
  }

  async #updateRef(ctx: RouteContext): Promise<Answer> {
    const full = this.#qualified(ctx.params[0]);
    const { sha, force = false } = await ctx.body();
    const old = await this.#refSha(full);
    if (!old) throw new HttpError(422, 'Reference does not exist');
    if ((await this.#objectType(sha)) !== 'commit')
      throw new HttpError(422, 'Object does not exist');
    if (!force) {
      try {
        await runGit(this.#gitDir, ['merge-base', '--is-ancestor', old, sha]);
      } catch (error) {
        if (error instanceof GitError)
          throw new HttpError(422, 'Update is not a fast forward');
        throw error;
      }
    }
    await runGit(this.#gitDir, ['update-ref', full, sha, old]);
    return { json: this.#refJson(full, sha) };
  }

  async #deleteRef(ctx: RouteContext): Promise<Answer> {
    const full = this.#qualified(ctx.params[0]);
    if (!(await this.#refSha(full)))
      throw new HttpError(422, 'Reference does not exist');
    await runGit(this.#gitDir, ['update-ref', '-d', full]);
    return { status: 204 };
  }

  async #createPull(ctx: RouteContext): Promise<Answer> {
    const { title, body = '', head, base, draft = false } = await ctx.body();
    const invalid = (field: string, message: string) =>
      new HttpError(422, 'Validation Failed', {
        errors: [{ resource: 'PullRequest', field, code: 'invalid', message }],
      });
    if (typeof title !== 'string' || !title) throw invalid('title', 'missing');
    if (typeof head !== 'string') throw invalid('head', 'missing');
    const [headOwner, headBranch] = head.includes(':')
      ? head.split(':', 2)
      : [this.owner, head];
    if (headOwner !== this.owner)
      throw invalid(
        'head',
        `no fork of ${this.owner}/${this.repo} by ${headOwner}`,
      );
    const baseBranch = typeof base === 'string' ? base : this.defaultBranch;
    const headSha = await this.#refSha(`refs/heads/${headBranch}`);
    if (!headSha) throw invalid('head', `no branch ${headBranch}`);
    const baseSha = await this.#refSha(`refs/heads/${baseBranch}`);
    if (!baseSha) throw invalid('base', `no branch ${baseBranch}`);
    if (headSha === baseSha)
      throw new HttpError(422, 'Validation Failed', {
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `No commits between ${baseBranch} and ${headBranch}`,
          },
        ],
      });
    if (this.pulls.some(p => p.head === headBranch && p.base === baseBranch))
      throw new HttpError(422, 'Validation Failed', {
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${this.owner}:${headBranch}.`,
          },
        ],
      });
    const number = this.pulls.length + 1;
    const pull: StandInPullRequest = {
      number,
      title,
      body: String(body ?? ''),
      head: headBranch,
      base: baseBranch,
      headSha,
      baseSha,
      draft: Boolean(draft),
      htmlUrl: `https://github.com/${this.owner}/${this.repo}/pull/${number}`,
    };
    this.pulls.push(pull);
    // as on GitHub: the pull request's head is also refs/pull/<n>/head
    await runGit(this.#gitDir, [
      'update-ref',
      `refs/pull/${number}/head`,
      headSha,
    ]);
    return { status: 201, json: this.#pullJson(pull) };
  }

  async #listPulls(ctx: RouteContext): Promise<Answer> {
    const head = ctx.url.searchParams.get('head');
    return {
      json: this.pulls
        .filter(p => !head || `${this.owner}:${p.head}` === head)
        .map(p => this.#pullJson(p)),
    };
  }

  async #getPull(ctx: RouteContext): Promise<Answer> {
    const pull = this.pulls.find(p => p.number === Number(ctx.params[0]));
    if (!pull) throw new HttpError(404, 'Not Found');
    return { json: this.#pullJson(pull) };
  }

  /**
   * The one GraphQL query the pull request step asks: does the head branch
   * exist, and which open pull request comes from it.
   */
  async #graphql(ctx: RouteContext): Promise<Answer> {
    const { query, variables = {} } = await ctx.body();
    if (
      typeof query !== 'string' ||
      !/ref\(qualifiedName:/.test(query) ||
      variables.owner !== this.owner ||
      variables.repo !== this.repo
    ) {
      return {
        json: {
          data: null,
          errors: [
            {
              message:
                'The GitHub stand-in answers only the head-branch query of octokit-plugin-create-pull-request for its repository',
            },
          ],
        },
      };
    }
    const head = String(variables.head ?? '');
    const full = head.startsWith('refs/') ? head : `refs/heads/${head}`;
    const sha = safeRef.test(full) ? await this.#refSha(full) : undefined;
    const branch = full.replace(/^refs\/heads\//, '');
    const open = this.pulls.filter(p => p.head === branch);
    return {
      json: {
        data: {
          repository: {
            ref: sha
              ? {
                  associatedPullRequests: {
                    edges: open.slice(0, 1).map(p => ({
                      node: {
                        id: `PR_${p.number}`,
                        number: p.number,
                        url: p.htmlUrl,
                      },
                    })),
                  },
                }
              : null,
          },
        },
      },
    };
  }
}
