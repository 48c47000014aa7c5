import { spawn } from 'node:child_process';

/** A git command's failure, with what git said. */
export class GitError extends Error {
  constructor(args: string[], readonly code: number | null, stderr: string) {
    super(`git ${args.join(' ')} failed (${code}): ${stderr.trim()}`);
    this.name = 'GitError';
  }
}

/**
 * Runs git on one repository (bare or not) with a clean environment: no
 * user or system configuration, a fixed identity unless given, and any extra
 * variables (GIT_INDEX_FILE, GIT_AUTHOR_*). Resolves with stdout as bytes.
 */
export function runGit(
  gitDir: string,
  args: string[],
  options: { input?: Buffer | string; env?: Record<string, string> } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const input = options.input;
    const child = spawn('git', [`--git-dir=${gitDir}`, ...args], {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: gitDir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
        LANG: 'C',
        GIT_AUTHOR_NAME: 'GitHub stand-in',
        GIT_AUTHOR_EMAIL: 'stand-in@example.invalid',
        GIT_COMMITTER_NAME: 'GitHub stand-in',
        GIT_COMMITTER_EMAIL: 'stand-in@example.invalid',
        ...options.env,
      },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', d => out.push(d));
    child.stderr?.on('data', d => err.push(d));
    child.once('error', reject);
    child.once('close', code => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitError(args, code, Buffer.concat(err).toString()));
    });
    if (child.stdin) {
      // a git command that does not read its input may exit first (EPIPE)
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
}

/** `runGit`, its output as one trimmed line of text. */
export async function gitLine(
  gitDir: string,
  args: string[],
  options?: Parameters<typeof runGit>[2],
): Promise<string> {
  return (await runGit(gitDir, args, options)).toString('utf8').trim();
}
