import { createHash } from 'node:crypto';
import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type {
  ClusterDetail,
  ClusterPool,
  SourceReport,
  SourceSummary,
  StaleState,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  ConventionsProblem,
  ConventionsSpec,
  EngineRunner,
  InProcessEngineRunner,
  Inspection,
} from '../engine/EngineRunner';
import type { PluginOptions, SourceConfig } from '../config/config';
import {
  SourceReader,
  SourceReadError,
  SourceSnapshot,
} from '../scm/SourceReader';
import {
  clusterDetail,
  clusterPool,
  sourceReport,
  sourceSummary,
} from './bodies';
import { checkedOutBranch } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-node';
import { Lru, SingleFlight } from './Lru';
import { Redactor } from './Redactor';

/**
 * The engine threw: a defect, not a repository problem. Logged with its
 * stack where it happened; answered as a 500 that says so.
 */
export class EngineFailureError extends Error {
  constructor(sourceId: string, revision: string | undefined, since: string) {
    super(
      `The ClusterMesh DNS engine failed on source "${sourceId}"${
        revision ? ` at revision ${revision}` : ''
      } (since ${since}); this is a defect of the engine, logged with its stack by the backend`,
    );
    this.name = 'EngineFailureError';
  }
}

/** What the cache keeps per source, shared by every replica: small, read on every request. */
interface SourceState {
  /** The ETag of the served body; the body is under `body:<id>:<etag>`. */
  etag: string;
  revision?: string;
  readAt?: string;
  /** The reader's ETag of the validated revision: sent to learn that nothing changed. */
  scmEtag?: string;
  stale?: StaleState;
  /** Set while the engine fails on the source's current revision. */
  failure?: { revision?: string; since: string };
  /** When the body was last written (its TTL is extended before it runs out). */
  bodyAt: string;
}

/** A report ready to send: its bytes are computed once per revision and replica. */
export interface ServedReport {
  etag: string;
  bytes: Buffer;
  body: SourceReport;
}

interface RefEntry extends ServedReport {
  inspection: Inspection;
  revision: string;
}

/** How long the cache keeps a report that no refresh touches. */
const ttlMs = 30 * 24 * 3600 * 1000;
const stateKey = (id: string) => `v1:source:${id}`;
const bodyKey = (id: string, etag: string) => `v1:body:${id}:${etag}`;

/** A strong ETag of a body at a revision. */
export function etagOf(
  revision: string | undefined,
  bytes: Buffer | string,
): string {
  return `"${createHash('sha1')
    .update(revision ?? '')
    .update('\0')
    .update(bytes)
    .digest('base64url')}"`;
}

/** A derived ETag (a cluster, a pool) of a served report. */
const derivedEtag = (etag: string, kind: string, name: string) =>
  `"${createHash('sha1')
    .update(`${etag}\0${kind}\0${name}`)
    .digest('base64url')}"`;

const isCommit = (revision: string | undefined) =>
  revision !== undefined && /^[0-9a-f]{40}$/i.test(revision);

/**
 * The reports of the configured sources. Reports are computed off the
 * request path (the scheduled refresh, or `refresh` on demand) and kept in
 * the `CacheService` with the revision they were read at, so that every
 * replica serves the same one. Each replica keeps the bytes it serves and
 * the engine's model of the current revision (for the cluster and pool
 * answers), and a small LRU of reports of other refs.
 *
 * A repository problem is never an exception here: the last good report is
 * served, marked stale with the error and since when. An engine failure is
 * logged with its stack and thrown as {@link EngineFailureError}.
 */
export class ReportStore {
  readonly #cache: CacheService;
  readonly #logger: LoggerService;
  readonly #reader: SourceReader;
  readonly #engine: EngineRunner;
  readonly #redactor: Redactor;
  readonly #clock: () => Date;
  readonly #summaries = new Map<string, SourceSummary>();
  readonly #sources = new Map<string, SourceConfig>();
  readonly #served = new Map<string, ServedReport>();
  readonly #constant = new Map<string, { etag: string; bytes: Buffer }>();
  readonly #inspections = new Map<
    string,
    { revision: string; inspection: Inspection }
  >();
  readonly #refs: Lru<string, RefEntry>;
  readonly #flight = new SingleFlight();

  constructor(deps: {
    options: PluginOptions;
    cache: CacheService;
    logger: LoggerService;
    reader: SourceReader;
    redactor: Redactor;
    /** Whether the Kubernetes check can run (the Kubernetes plugin is there). */
    kubernetes?: boolean;
    /** Where the engine runs (default: in process). */
    engine?: EngineRunner;
    clock?: () => Date;
  }) {
    this.#cache = deps.cache;
    this.#logger = deps.logger;
    this.#reader = deps.reader;
    this.#redactor = deps.redactor;
    this.#engine = deps.engine ?? new InProcessEngineRunner();
    this.#clock = deps.clock ?? (() => new Date());
    this.#refs = new Lru(deps.options.refReportsMax, entry =>
      entry.inspection.release(),
    );
    for (const source of deps.options.sources) {
      this.#sources.set(source.id, source);
      this.#summaries.set(
        source.id,
        sourceSummary(source, { kubernetes: deps.kubernetes ?? true }),
      );
    }
  }

  /** Every source, as listed. */
  list(): SourceSummary[] {
    return [...this.#summaries.values()];
  }

  /** A source by id; NotFoundError naming it otherwise. */
  source(id: string): SourceConfig {
    const source = this.#sources.get(id);
    if (!source) throw new NotFoundError(`No ClusterMesh DNS source "${id}"`);
    return source;
  }

  summary(id: string): SourceSummary {
    this.source(id);
    return this.#summaries.get(id)!;
  }

  /** The report of a source (its configured branch, or `ref`), ready to send. */
  async report(id: string, ref?: string): Promise<ServedReport> {
    const source = this.source(id);
    if (ref !== undefined) return this.#refReport(source, ref);
    const state = await this.#state(id);
    if (!state)
      // never read by any replica: read it now, once
      return this.#flight.run(`refresh:${id}`, () => this.#refresh(source, {}));
    if (state.failure)
      throw new EngineFailureError(
        id,
        state.failure.revision,
        state.failure.since,
      );
    return this.#servedOf(source, state);
  }

  /** The benchmark's constant: the first bytes served, always the same. */
  async constant(id: string): Promise<{ etag: string; bytes: Buffer }> {
    const source = this.source(id);
    let constant = this.#constant.get(source.id);
    if (!constant) {
      const { etag, bytes } = await this.report(source.id);
      constant = { etag, bytes };
      this.#constant.set(source.id, constant);
    }
    return constant;
  }

  /** Stops the engine (its worker). */
  async close(): Promise<void> {
    await this.#engine.close();
  }

  /** Reads the source again now (what the schedule runs). */
  async refresh(id: string): Promise<ServedReport> {
    const source = this.source(id);
    return this.#flight.run(`refresh:${id}`, () => this.#refresh(source, {}));
  }

  /** The ETag a cluster or pool answer will have, known before computing it. */
  async detailEtag(
    id: string,
    kind: 'cluster' | 'pool',
    name: string,
    ref?: string,
  ): Promise<string> {
    const { etag } = await this.report(id, ref);
    return derivedEtag(etag, kind, name);
  }

  /** One cluster with its checks and peers. */
  async cluster(
    id: string,
    name: string,
    ref?: string,
  ): Promise<{ etag: string; body: ClusterDetail }> {
    const { served, inspection } = await this.#inspection(id, ref);
    const body = await clusterDetail(this.summary(id), inspection, name, {
      revision: served.body.revision,
      ref,
    });
    if (!body)
      throw new NotFoundError(
        `No cluster "${name}" in source "${id}"${ref ? ` at ${ref}` : ''}`,
      );
    return {
      etag: derivedEtag(served.etag, 'cluster', name),
      body: this.#redactor.deep(body),
    };
  }

  /** A cluster's pools and the addresses in use. */
  async pool(
    id: string,
    name: string,
    ref?: string,
  ): Promise<{ etag: string; body: ClusterPool }> {
    const { served, inspection } = await this.#inspection(id, ref);
    const body = await clusterPool(this.summary(id), inspection, name);
    if (!body)
      throw new NotFoundError(
        `No cluster "${name}" in source "${id}"${ref ? ` at ${ref}` : ''}`,
      );
    return {
      etag: derivedEtag(served.etag, 'pool', name),
      body: this.#redactor.deep(body),
    };
  }

  // --- internals -----------------------------------------------------------

  async #state(id: string): Promise<SourceState | undefined> {
    return (await this.#cache.get(stateKey(id))) as SourceState | undefined;
  }

  async #servedOf(
    source: SourceConfig,
    state: SourceState,
  ): Promise<ServedReport> {
    const mine = this.#served.get(source.id);
    if (mine && mine.etag === state.etag) return mine;
    const body = (await this.#cache.get(bodyKey(source.id, state.etag))) as
      | SourceReport
      | undefined;
    if (!body)
      // the body is gone from the cache: read the source again, in full
      return this.#flight.run(`refresh:${source.id}`, () =>
        this.#refresh(source, { full: true }),
      );
    const served = {
      etag: state.etag,
      bytes: Buffer.from(JSON.stringify(body)),
      body,
    };
    this.#served.set(source.id, served);
    return served;
  }

  #conventionsSpec(source: SourceConfig): ConventionsSpec {
    return {
      explicit: source.conventions,
      explicitOrigin: `clustermeshDns.sources[${source.index}].conventions`,
      file: source.conventionsFile,
      // the names they make are checked; every answer is redacted
      values: source.values,
      branch:
        source.branch ??
        (source.type === 'local' ? checkedOutBranch(source.target) : undefined),
    };
  }

  /**
   * Validates a snapshot. A bad conventions file is the repository's problem
   * (ConventionsProblem, passed on); anything else the engine throws is a
   * defect: logged with its stack, then EngineFailureError.
   */
  async #validate(
    source: SourceConfig,
    snapshot: SourceSnapshot,
    onEngineFailure: (since: string) => Promise<void>,
  ): Promise<Inspection> {
    try {
      return await this.#engine.inspect(
        source.id,
        snapshot.tree,
        this.#conventionsSpec(source),
      );
    } catch (error) {
      if (error instanceof ConventionsProblem) throw error;
      const since = this.#clock().toISOString();
      this.#logger.error(
        `clustermesh-dns: the engine failed on source ${source.id} at revision ${snapshot.revision}`,
        error as Error,
      );
      await onEngineFailure(since);
      throw new EngineFailureError(source.id, snapshot.revision, since);
    }
  }

  async #publish(
    source: SourceConfig,
    body: SourceReport,
    meta: Omit<SourceState, 'etag' | 'bodyAt' | 'stale' | 'failure'>,
  ): Promise<ServedReport> {
    const bytes = Buffer.from(JSON.stringify(body));
    const etag = etagOf(meta.revision, bytes);
    const state: SourceState = {
      etag,
      ...meta,
      bodyAt: this.#clock().toISOString(),
    };
    if (body.stale) state.stale = body.stale;
    await this.#cache.set(bodyKey(source.id, etag), body as any, {
      ttl: ttlMs,
    });
    await this.#cache.set(stateKey(source.id), state as any, { ttl: ttlMs });
    const served = { etag, bytes, body };
    this.#served.set(source.id, served);
    return served;
  }

  async #refresh(
    source: SourceConfig,
    options: { full?: boolean },
  ): Promise<ServedReport> {
    const now = this.#clock().toISOString();
    const state = await this.#state(source.id);
    const summary = this.#summaries.get(source.id)!;
    let previous: SourceReport | undefined;
    if (state) {
      const mine = this.#served.get(source.id);
      previous =
        mine && mine.etag === state.etag
          ? mine.body
          : ((await this.#cache.get(bodyKey(source.id, state.etag))) as
              | SourceReport
              | undefined);
    }
    const clean = previous && withoutStale(previous);
    const keep = {
      revision: state?.revision,
      readAt: state?.readAt,
      scmEtag: state?.scmEtag,
    };
    const stale = async (error: string) => {
      const message = this.#redactor.text(error);
      this.#logger.warn(
        `clustermesh-dns source ${source.id} cannot be read: ${message}`,
      );
      const since = state?.stale?.since ?? now;
      return this.#publish(
        source,
        { ...(clean ?? { source: summary }), stale: { error: message, since } },
        keep,
      );
    };

    // the previous ETag only when its report is at hand
    const etag =
      !options.full && clean?.report && !state?.failure
        ? state?.scmEtag
        : undefined;
    let snapshot: SourceSnapshot | 'not-modified';
    try {
      snapshot = await this.#reader.read(source, { etag });
    } catch (error) {
      if (error instanceof SourceReadError) return stale(error.message);
      throw error;
    }

    if (snapshot === 'not-modified') {
      this.#logger.info(
        `clustermesh-dns source ${source.id} unchanged at ${state?.revision}; not validated again`,
      );
      if (state!.stale || !previous || previous.stale)
        return this.#publish(source, clean!, keep); // recovered
      // extend the body's life before the cache lets it go
      if (this.#clock().getTime() - Date.parse(state!.bodyAt) > ttlMs / 2)
        return this.#publish(source, previous, keep);
      await this.#cache.set(stateKey(source.id), state as any, { ttl: ttlMs });
      return this.#servedOf(source, state!);
    }

    const started = performance.now();
    let inspection: Inspection;
    try {
      inspection = await this.#validate(source, snapshot, async since => {
        const failed: SourceState = {
          ...(state ?? { etag: '', bodyAt: now }),
          failure: {
            revision: snapshot.revision,
            since: state?.failure?.since ?? since,
          },
        };
        await this.#cache.set(stateKey(source.id), failed as any, {
          ttl: ttlMs,
        });
      });
    } catch (error) {
      if (error instanceof ConventionsProblem)
        return stale(`conventions: ${error.message}`);
      throw error;
    }
    const body = this.#redactor.deep(
      sourceReport(summary, inspection.report, {
        revision: snapshot.revision,
        readAt: now,
      }),
    );
    const served = await this.#publish(source, body, {
      revision: snapshot.revision,
      readAt: now,
      scmEtag: snapshot.etag || undefined,
    });
    this.#keep(source.id, snapshot.revision, inspection);
    const skipped = snapshot.skipped.binary + snapshot.skipped.oversized;
    this.#logger.info(
      `clustermesh-dns source ${source.id} read at ${
        snapshot.revision
      } and validated in ${Math.round(performance.now() - started)} ms: ${
        inspection.report.summary.clusters
      } cluster(s), status ${inspection.report.summary.status}${
        skipped
          ? `; left out ${snapshot.skipped.binary} binary and ${snapshot.skipped.oversized} oversized file(s)`
          : ''
      }`,
    );
    return served;
  }

  async #refReport(
    source: SourceConfig,
    ref: string,
  ): Promise<RefEntry | ServedReport> {
    if (source.type !== 'url')
      throw new InputError(
        `ref is only for url sources; source "${source.id}" is a local folder`,
      );
    const key = `${source.id}@${ref}`;
    const hit = this.#refs.get(key);
    if (hit) return hit;
    return this.#flight.run(`ref:${key}`, async () => {
      const summary = this.#summaries.get(source.id)!;
      const now = this.#clock().toISOString();
      let snapshot: SourceSnapshot;
      try {
        snapshot = (await this.#reader.read(source, { ref })) as SourceSnapshot;
      } catch (error) {
        if (!(error instanceof SourceReadError)) throw error;
        const message = this.#redactor.text(error.message);
        this.#logger.warn(
          `clustermesh-dns source ${source.id} at ${ref} cannot be read: ${message}`,
        );
        // not kept: the next request tries again
        const body: SourceReport = {
          source: summary,
          ref,
          stale: { error: message, since: now },
        };
        const bytes = Buffer.from(JSON.stringify(body));
        return { etag: etagOf(undefined, bytes), bytes, body };
      }
      let inspection: Inspection;
      try {
        inspection = await this.#validate(source, snapshot, async () => {});
      } catch (error) {
        if (!(error instanceof ConventionsProblem)) throw error;
        const message = this.#redactor.text(`conventions: ${error.message}`);
        const body: SourceReport = {
          source: summary,
          ref,
          revision: snapshot.revision,
          stale: { error: message, since: now },
        };
        const bytes = Buffer.from(JSON.stringify(body));
        return { etag: etagOf(snapshot.revision, bytes), bytes, body };
      }
      const body = this.#redactor.deep(
        sourceReport(summary, inspection.report, {
          revision: snapshot.revision,
          readAt: now,
          ref,
        }),
      );
      const bytes = Buffer.from(JSON.stringify(body));
      const entry: RefEntry = {
        etag: etagOf(snapshot.revision, bytes),
        bytes,
        body,
        inspection,
        revision: snapshot.revision,
      };
      this.#refs.set(key, entry);
      return entry;
    });
  }

  /** Keeps the model of a source's served revision, letting the one before go. */
  #keep(id: string, revision: string, inspection: Inspection) {
    const before = this.#inspections.get(id);
    this.#inspections.set(id, { revision, inspection });
    if (before && before.inspection !== inspection) before.inspection.release();
  }

  /** The engine's model behind a served report: kept, or rebuilt once at its revision. */
  async #inspection(
    id: string,
    ref?: string,
  ): Promise<{ served: ServedReport; inspection: Inspection }> {
    const source = this.source(id);
    const served = await this.report(id, ref);
    if ('inspection' in served) {
      const entry = served as RefEntry;
      if (entry.inspection.alive())
        return { served, inspection: entry.inspection };
      // its model is gone with a stopped worker: read the ref again
      this.#refs.delete(`${id}@${ref}`);
      return this.#inspection(id, ref);
    }
    const revision = served.body.revision;
    if (!served.body.report || revision === undefined)
      throw new NotFoundError(
        `Source "${id}" has no report yet${
          served.body.stale ? `: ${served.body.stale.error}` : ''
        }`,
      );
    const kept = this.#inspections.get(id);
    if (kept && kept.revision === revision && kept.inspection.alive())
      return { served, inspection: kept.inspection };
    // another replica validated this revision: read it here too, once
    const inspection = await this.#flight.run(
      `inspect:${id}:${revision}`,
      async (): Promise<Inspection> => {
        let snapshot: SourceSnapshot | 'not-modified';
        try {
          snapshot = await this.#reader.read(source, {
            ref:
              source.type === 'url' && isCommit(revision)
                ? revision
                : undefined,
          });
        } catch (error) {
          if (!(error instanceof SourceReadError)) throw error;
          throw new ServiceUnavailableError(
            `The model of source "${id}" at ${revision} is not in this backend's memory and the repository cannot be read now: ${this.#redactor.text(
              error.message,
            )}`,
          );
        }
        if (snapshot === 'not-modified' || snapshot.revision !== revision) {
          // a local folder changed since: publish its new report, with its model
          await this.#flight.run(`refresh:${id}`, () =>
            this.#refresh(source, { full: true }),
          );
          const fresh = this.#inspections.get(id);
          if (!fresh)
            throw new ServiceUnavailableError(
              `Source "${id}" changed while it was read; try again`,
            );
          return fresh.inspection;
        }
        const result = await this.#validate(source, snapshot, async () => {});
        this.#keep(id, revision, result);
        return result;
      },
    );
    // a local folder read again may have published a newer report
    const latest = this.#served.get(id);
    return {
      served:
        latest && latest.body.revision === this.#inspections.get(id)?.revision
          ? latest
          : served,
      inspection,
    };
  }
}

function withoutStale(report: SourceReport): SourceReport {
  const { stale: _stale, ...rest } = report;
  return rest;
}
