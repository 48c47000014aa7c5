import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { http, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';

/** A repository folder as GitHub serves its tarball: everything under one top folder. */
export async function tarballOf(
  files: string | Record<string, string | Buffer>,
  top = 'acme-gitops-0000000',
): Promise<Buffer> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmdns-tarball-'));
  try {
    const dir = path.join(work, top);
    if (typeof files === 'string') fs.cpSync(files, dir, { recursive: true });
    else
      for (const [file, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), content);
      }
    const out = path.join(work, 'repo.tar.gz');
    await tar.create({ gzip: true, cwd: work, file: out, portable: true }, [
      top,
    ]);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** What the GitHub double was asked. */
export interface GithubRequest {
  method: string;
  path: string;
  /** The Authorization header, for checking the integration's token is used. */
  authorization?: string;
}

/**
 * A GitHub double for `readTree`, as GitHubUrlReader reads: the commit
 * status of a ref (its SHA and the archive URL), then the tarball of that
 * SHA. `refs` maps a ref to the SHA it points at; `tarballs` a SHA to its
 * archive; `fail` makes every request answer that status (an outage).
 */
export class GithubDouble {
  readonly requests: GithubRequest[] = [];
  refs: Record<string, string> = {};
  tarballs: Record<string, Buffer> = {};
  fail?: number;

  constructor(
    server: SetupServer,
    readonly repo = 'acme/gitops',
    readonly api = 'https://api.github.com',
  ) {
    const base = `${api}/repos/${repo}`;
    const record = (request: Request) => {
      const url = new URL(request.url);
      this.requests.push({
        method: request.method,
        path: `${url.pathname}${url.search}`,
        authorization: request.headers.get('authorization') ?? undefined,
      });
    };
    server.use(
      http.get(`${base}/commits/:ref/status`, ({ request, params }) => {
        record(request);
        if (this.fail)
          return HttpResponse.json(
            { message: 'Server Error' },
            { status: this.fail },
          );
        const sha = this.refs[decodeURIComponent(String(params.ref))];
        if (!sha)
          return HttpResponse.json(
            { message: 'No commit found for SHA' },
            { status: 404 },
          );
        return HttpResponse.json({
          sha,
          repository: { archive_url: `${base}/{archive_format}{/ref}` },
        });
      }),
      http.get(`${base}/tarball/:sha`, ({ request, params }) => {
        record(request);
        if (this.fail)
          return HttpResponse.json(
            { message: 'Server Error' },
            { status: this.fail },
          );
        const tarball = this.tarballs[String(params.sha)];
        if (!tarball)
          return HttpResponse.json({ message: 'Not Found' }, { status: 404 });
        return new HttpResponse(tarball, {
          headers: { 'Content-Type': 'application/x-gzip' },
        });
      }),
    );
  }

  /** Points a ref at a new commit holding these files. */
  async commit(
    ref: string,
    sha: string,
    files: string | Record<string, string | Buffer>,
  ) {
    this.refs[ref] = sha;
    this.tarballs[sha] = await tarballOf(
      files,
      `acme-gitops-${sha.slice(0, 7)}`,
    );
  }

  paths(): string[] {
    return this.requests.map(r => r.path);
  }
}
