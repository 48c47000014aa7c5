import type { RepositoryRef } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/**
 * The SCM kinds whose URL forms are known. Taken from the app's integrations
 * when the host is configured there, else guessed from the host name.
 */
export type ScmKind =
  | 'github'
  | 'gitlab'
  | 'bitbucketCloud'
  | 'bitbucketServer'
  | 'azure'
  | 'gitea'
  | 'other';

/** Answers the integration type of a host, as `ScmIntegrations.byHost(host)?.type`. */
export type HostKind = (host: string) => string | undefined;

const knownKinds = new Set<ScmKind>([
  'github',
  'gitlab',
  'bitbucketCloud',
  'bitbucketServer',
  'azure',
  'gitea',
]);

/** The SCM kind of a host: the app's integration for it, or a guess from its name. */
export function scmKindOf(host: string, hostKind?: HostKind): ScmKind {
  const configured = hostKind?.(host);
  if (configured === 'bitbucket')
    return host === 'bitbucket.org' ? 'bitbucketCloud' : 'bitbucketServer';
  if (configured && knownKinds.has(configured as ScmKind))
    return configured as ScmKind;
  if (host === 'github.com' || host.includes('github')) return 'github';
  if (host === 'gitlab.com' || host.includes('gitlab')) return 'gitlab';
  if (host === 'bitbucket.org') return 'bitbucketCloud';
  if (host === 'dev.azure.com' || host.endsWith('.visualstudio.com'))
    return 'azure';
  if (host.includes('gitea')) return 'gitea';
  return 'other';
}

/** Lower-case host, without the scheme's default port. */
function normaliseHost(host: string, port: string, protocol: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  const defaults: Record<string, string> = {
    'https:': '443',
    'http:': '80',
    'ssh:': '22',
    'git:': '9418',
  };
  return port && port !== defaults[protocol] ? `${h}:${port}` : h;
}

const stripGit = (name: string) => name.replace(/\.git$/i, '');

function refOf(
  host: string,
  owner: string,
  name: string,
  kind: ScmKind,
): RepositoryRef | undefined {
  const o = owner.toLowerCase().replace(/^\/+|\/+$/g, '');
  const n = stripGit(name).toLowerCase();
  if (!host || !o || !n) return undefined;
  let url = `https://${host}/${o}/${n}`;
  if (kind === 'azure') {
    const [org, project] = o.split('/');
    url = `https://${host}/${org}/${project}/_git/${n}`;
  } else if (kind === 'bitbucketServer') {
    url = `https://${host}/projects/${o}/repos/${n}`;
  }
  return { host, owner: o, name: n, url };
}

/** The repository named by path segments, in the URL forms of its SCM. */
function fromSegments(
  host: string,
  segments: string[],
  kind: ScmKind,
): RepositoryRef | undefined {
  const s = segments.filter(x => x !== '').map(x => decodeURIComponent(x));
  if (kind === 'azure') {
    // dev.azure.com/{org}/{project}/_git/{repo}; {org}.visualstudio.com/{project}/_git/{repo}
    const git = s.indexOf('_git');
    if (git < 1 || !s[git + 1]) return undefined;
    const org = host.endsWith('.visualstudio.com') ? host.split('.')[0] : s[0];
    const project = s[git - 1];
    return refOf(host, `${org}/${project}`, s[git + 1], kind);
  }
  if (kind === 'bitbucketServer') {
    // /projects/{P}/repos/{r}/browse..., /scm/{p}/{r}.git, /users/{u}/repos/{r}
    const projects = s.findIndex(x => x === 'projects' || x === 'users');
    if (projects >= 0 && s[projects + 2] === 'repos' && s[projects + 3])
      return refOf(host, s[projects + 1], s[projects + 3], kind);
    const scm = s.indexOf('scm');
    if (scm >= 0 && s[scm + 2])
      return refOf(host, s[scm + 1], s[scm + 2], kind);
    return s.length >= 2 ? refOf(host, s[0], s[1], kind) : undefined;
  }
  if (kind === 'gitlab' || (kind === 'other' && s.includes('-'))) {
    // GitLab: the project path (with subgroups) ends before `/-/`
    const dash = s.indexOf('-');
    const project = dash >= 0 ? s.slice(0, dash) : s;
    if (project.length < 2) return undefined;
    return refOf(
      host,
      project.slice(0, -1).join('/'),
      project[project.length - 1],
      kind,
    );
  }
  // GitHub, Gitea, Bitbucket Cloud and the rest: /{owner}/{repo}/...
  return s.length >= 2 ? refOf(host, s[0], s[1], kind) : undefined;
}

/**
 * Normalises a repository URL to its host, owner and name. Understands
 * web URLs (with `/tree/...`, `/-/tree/...`, `/pull/...`, `.git`), SSH
 * remotes (`git@host:owner/repo.git`, `ssh://git@host/owner/repo`), bare
 * `host/owner/repo`, and the scaffolder RepoUrlPicker's
 * `host?owner=o&repo=r` (also `workspace`, `project`, `organization`).
 * Undefined when the text names no repository.
 */
export function parseRepositoryUrl(
  input: string,
  hostKind?: HostKind,
): RepositoryRef | undefined {
  const text = input.trim();
  if (!text || /\s/.test(text)) return undefined;

  // RepoUrlPicker: github.com?owner=o&repo=r
  const picker = /^([A-Za-z0-9.-]+(?::\d+)?)\?(.*)$/.exec(text);
  if (picker) {
    const [hostName, port = ''] = picker[1].split(':');
    const host = normaliseHost(hostName, port, 'https:');
    const kind = scmKindOf(host, hostKind);
    const params = new URLSearchParams(picker[2]);
    const repo = params.get('repo');
    if (!repo) return undefined;
    if (kind === 'azure') {
      const org = params.get('organization');
      const project = params.get('project') ?? params.get('owner');
      return org && project
        ? refOf(host, `${org}/${project}`, repo, kind)
        : undefined;
    }
    const owner =
      params.get('owner') ??
      (kind === 'bitbucketServer'
        ? params.get('project')
        : params.get('workspace') ?? params.get('project'));
    return owner ? refOf(host, owner, repo, kind) : undefined;
  }

  // scp-like SSH remote: git@host:owner/repo.git
  const scp = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!\d+\/)(.+)$/.exec(text);
  if (scp) {
    const host = normaliseHost(scp[1], '', 'ssh:');
    return fromSegments(
      host,
      scp[2].split(/[?#]/)[0].split('/'),
      scmKindOf(host, hostKind),
    );
  }

  let url: URL;
  try {
    url = new URL(
      /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`,
    );
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol))
    return undefined;
  if (!url.hostname.includes('.') && url.hostname !== 'localhost')
    return undefined;
  const host = normaliseHost(url.hostname, url.port, url.protocol);
  const kind = scmKindOf(host, hostKind);
  // Bitbucket Server web URLs keep the ref in ?at=; the path is enough
  return fromSegments(host, url.pathname.split('/'), kind);
}

/** Whether two references name the same repository. */
export function sameRepository(a: RepositoryRef, b: RepositoryRef): boolean {
  return a.host === b.host && a.owner === b.owner && a.name === b.name;
}

const isCommit = (ref: string) => /^[0-9a-f]{40}$/i.test(ref);

/**
 * The URL that `UrlReaderService.readTree` reads for a repository at a ref
 * (a branch, tag or commit), in the form its SCM's reader parses. Without a
 * ref, the repository's default branch.
 */
export function treeUrlFor(
  repository: RepositoryRef,
  kind: ScmKind,
  ref?: string,
  options: { forReader?: boolean } = { forReader: true },
): string {
  const base = repository.url;
  if (!ref) return base;
  const segment = encodeURIComponent(ref);
  switch (kind) {
    case 'github':
      // the reader decodes the URL before it splits ref and path: a ref
      // with "/" (feature/x) survives only encoded twice; GitHub's API
      // takes the once-encoded ref it then sends
      return options.forReader
        ? `${base}/tree/${encodeURIComponent(segment)}`
        : `${base}/tree/${ref.split('/').map(encodeURIComponent).join('/')}`;
    case 'gitlab':
      return `${base}/-/tree/${segment}`;
    case 'bitbucketCloud':
      return `${base}/src/${segment}`;
    case 'bitbucketServer':
      return `${base}/browse?at=${encodeURIComponent(
        isCommit(ref) ? ref : `refs/heads/${ref}`,
      )}`;
    case 'azure':
      return `${base}?version=${isCommit(ref) ? 'GC' : 'GB'}${segment}`;
    case 'gitea':
      return `${base}/src/${isCommit(ref) ? 'commit' : 'branch'}/${segment}`;
    default:
      return `${base}/tree/${segment}`;
  }
}
