import { createHash } from 'node:crypto';
import type { UrlReaderService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import {
  MemoryRepoTree,
  RepoTree,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';
import { readDirectoryTree } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-node';
import type { SourceConfig } from '../config/config';
import { treeUrlFor } from './repositoryUrl';

/** A repository read at one revision. */
export interface SourceSnapshot {
  tree: RepoTree;
  /** The commit SHA (SCM) or a content hash (local folder). */
  revision: string;
  /** What to send as `etag` next time to learn that nothing changed. */
  etag: string;
  /** Files left out of an SCM read: binary, or larger than the limit. */
  skipped: { binary: number; oversized: number };
}

/** A repository could not be read: a problem of the repository or its host, never of the engine. */
export class SourceReadError extends Error {
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = 'SourceReadError';
  }
}

/** Extensions of files that are never text, left out before they are downloaded. */
const binaryExtensions = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'ico',
  'bmp',
  'tif',
  'tiff',
  'svgz',
  'zip',
  'gz',
  'tgz',
  'bz2',
  'xz',
  'zst',
  '7z',
  'rar',
  'tar',
  'jar',
  'war',
  'pdf',
  'woff',
  'woff2',
  'ttf',
  'otf',
  'eot',
  'mp3',
  'mp4',
  'mov',
  'avi',
  'webm',
  'wasm',
  'so',
  'dll',
  'exe',
  'bin',
  'class',
  'pyc',
  'o',
  'a',
  'psd',
  'sqlite',
  'db',
  'iso',
  'dmg',
  'deb',
  'rpm',
]);

const extensionOf = (path: string) => {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
};

/** Git's test: a NUL byte in the first 8000 bytes makes a file binary. */
const looksBinary = (bytes: Uint8Array) => bytes.subarray(0, 8000).includes(0);

function contentHash(tree: RepoTree): { revision: string; files: number } {
  const hash = createHash('sha1');
  let files = 0;
  for (const path of tree.paths()) {
    const bytes = tree.read(path);
    if (!bytes) continue;
    files++;
    hash.update(path).update('\0').update(String(bytes.length)).update('\0');
    hash.update(bytes);
  }
  return { revision: hash.digest('hex'), files };
}

/**
 * Reads a source: a local folder from disk, or an SCM repository through
 * Backstage's `UrlReaderService.readTree` (one archive, whatever integration
 * the app has). With the previous `etag`, an unchanged repository answers
 * `'not-modified'`: for GitHub, one commit status request.
 */
export class SourceReader {
  constructor(
    private readonly urlReader: UrlReaderService,
    private readonly options: { maxFileSize: number },
  ) {}

  /** The URL `readTree` is asked for. */
  urlOf(source: SourceConfig, ref?: string): string {
    if (!source.repository || !source.scm)
      throw new Error(`source ${source.id} is not a url source`);
    return treeUrlFor(source.repository, source.scm, ref ?? source.branch);
  }

  async read(
    source: SourceConfig,
    options: { etag?: string; ref?: string; signal?: AbortSignal } = {},
  ): Promise<SourceSnapshot | 'not-modified'> {
    return source.type === 'local'
      ? this.#readLocal(source, options.etag)
      : this.#readUrl(source, options);
  }

  #readLocal(
    source: SourceConfig,
    etag: string | undefined,
  ): SourceSnapshot | 'not-modified' {
    let tree: RepoTree;
    let revision: string;
    try {
      tree = readDirectoryTree(source.target);
      revision = contentHash(tree).revision;
    } catch (error) {
      throw new SourceReadError(
        isError(error) ? error.message : String(error),
        error,
      );
    }
    if (etag && etag === revision) return 'not-modified';
    return {
      tree,
      revision,
      etag: revision,
      skipped: { binary: 0, oversized: 0 },
    };
  }

  async #readUrl(
    source: SourceConfig,
    options: { etag?: string; ref?: string; signal?: AbortSignal },
  ): Promise<SourceSnapshot | 'not-modified'> {
    const url = this.urlOf(source, options.ref);
    const at = options.ref ?? source.branch;
    const where = `${source.repository!.url}${at ? ` at ${at}` : ''}`;
    const { maxFileSize } = this.options;
    const skipped = { binary: 0, oversized: 0 };
    let response;
    try {
      response = await this.urlReader.readTree(url, {
        etag: options.etag,
        signal: options.signal,
        // generators read files of any name: leave out only what cannot be read
        filter: (path, info) => {
          if (binaryExtensions.has(extensionOf(path))) {
            skipped.binary++;
            return false;
          }
          if (info && info.size > maxFileSize) {
            skipped.oversized++;
            return false;
          }
          return true;
        },
      });
    } catch (error) {
      if (isError(error) && error.name === 'NotModifiedError')
        return 'not-modified';
      throw new SourceReadError(
        `${where} cannot be read: ${
          isError(error) ? error.message : String(error)
        }`,
        error,
      );
    }
    const files = new Map<string, Uint8Array>();
    try {
      for (const file of await response.files()) {
        const content = await file.content();
        if (content.length > maxFileSize) {
          skipped.oversized++;
          continue;
        }
        if (looksBinary(content)) {
          skipped.binary++;
          continue;
        }
        files.set(
          file.path,
          new Uint8Array(content.buffer, content.byteOffset, content.length),
        );
      }
    } catch (error) {
      throw new SourceReadError(
        `${where}: the archive cannot be read: ${
          isError(error) ? error.message : String(error)
        }`,
        error,
      );
    }
    const tree = MemoryRepoTree.from(files);
    // readers whose archives carry no commit id: a hash of what was read
    const revision = response.etag || contentHash(tree).revision;
    return { tree, revision, etag: response.etag, skipped };
  }
}
