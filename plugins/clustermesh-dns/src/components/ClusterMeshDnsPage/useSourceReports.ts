import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import type {
  LiveReport,
  SourceReport,
  SourceSummary,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clustermeshDnsApiRef } from '../../api';

/** What the page knows of one source. */
export interface SourceState {
  source: SourceSummary;
  /** The ref asked for; undefined for the configured branch (and for local folders). */
  ref?: string;
  loading: boolean;
  report?: SourceReport;
  error?: Error;
  live?: LiveReport;
  liveError?: Error;
  /**
   * When a refresh on demand found the source unchanged (ISO 8601): the
   * backend answers the report it already had, with the time of the read
   * that produced it, so the page keeps when it asked.
   */
  checkedAt?: string;
  /** An action under way. */
  busy?: 'refresh' | 'live';
  /** Why the last action failed. */
  actionError?: Error;
}

/** A ref applies to repository sources; a local folder has none. */
export const refFor = (source: SourceSummary, ref: string | undefined) =>
  source.type === 'url' ? ref : undefined;

const toError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

/**
 * The reports (and last live checks) of the given sources at a ref: one
 * request per source, never one per cluster. A source is read again when the
 * ref asked of it changes; refresh and live checks update it in place.
 */
export function useSourceReports(
  sources: SourceSummary[] | undefined,
  ref: string | undefined,
) {
  const api = useApi(clustermeshDnsApiRef);
  const [states, setStates] = useState<Record<string, SourceState>>({});
  const statesRef = useRef(states);
  statesRef.current = states;
  // The ref asked for now, as of the latest render (before its effect loads it).
  const refAsked = useRef(ref);
  refAsked.current = ref;
  // The latest request per source, so a late answer for an old ref is dropped.
  const generation = useRef(new Map<string, number>());

  const patch = useCallback(
    (id: string, update: (current: SourceState) => SourceState) =>
      setStates(current =>
        current[id] ? { ...current, [id]: update(current[id]) } : current,
      ),
    [],
  );

  const load = useCallback(
    (source: SourceSummary, wanted: string | undefined) => {
      const turn = (generation.current.get(source.id) ?? 0) + 1;
      generation.current.set(source.id, turn);
      setStates(current => ({
        ...current,
        [source.id]: { source, ref: wanted, loading: true },
      }));
      Promise.allSettled([
        api.getReport(source.id, wanted ? { ref: wanted } : {}),
        api.getLiveChecks(source.id),
      ]).then(([report, live]) => {
        if (generation.current.get(source.id) !== turn) return;
        setStates(current => ({
          ...current,
          [source.id]: {
            source,
            ref: wanted,
            loading: false,
            report: report.status === 'fulfilled' ? report.value : undefined,
            error:
              report.status === 'rejected' ? toError(report.reason) : undefined,
            live: live.status === 'fulfilled' ? live.value : undefined,
            liveError:
              live.status === 'rejected' ? toError(live.reason) : undefined,
          },
        }));
      });
    },
    [api],
  );

  useEffect(() => {
    for (const source of sources ?? []) {
      const wanted = refFor(source, ref);
      const current = statesRef.current[source.id];
      if (current && current.ref === wanted && current.source === source)
        continue;
      load(source, wanted);
    }
  }, [sources, ref, load]);

  const refresh = useCallback(
    async (id: string) => {
      const current = statesRef.current[id];
      if (!current) return;
      // An answer for what is no longer shown is dropped: the ref asked of
      // the source changed, or the source was read again (for another ref).
      const turn = generation.current.get(id);
      const superseded = () =>
        generation.current.get(id) !== turn ||
        refFor(current.source, refAsked.current) !== current.ref;
      patch(id, s => ({ ...s, busy: 'refresh', actionError: undefined }));
      try {
        const fresh = await api.refresh(id);
        if (superseded()) return;
        // The backend has read the source by the time it answers. Content
        // that did not change keeps its report, and the time of its first
        // read: say when it was checked, unless the read failed (stale).
        const before = statesRef.current[id]?.report;
        const unchanged =
          !current.ref &&
          !fresh.stale &&
          fresh.readAt !== undefined &&
          fresh.revision === before?.revision &&
          fresh.readAt === before?.readAt;
        const checkedAt = unchanged ? new Date().toISOString() : undefined;
        // A refresh reads the configured branch; a ref is read again after it.
        const report = current.ref
          ? await api.getReport(id, { ref: current.ref })
          : fresh;
        if (superseded()) return;
        patch(id, s => ({
          ...s,
          report,
          checkedAt,
          error: undefined,
          busy: undefined,
        }));
      } catch (e) {
        if (superseded()) return;
        patch(id, s => ({ ...s, busy: undefined, actionError: toError(e) }));
      }
    },
    [api, patch],
  );

  const runLiveChecks = useCallback(
    async (id: string) => {
      patch(id, s => ({ ...s, busy: 'live', actionError: undefined }));
      try {
        const live = await api.runLiveChecks(id);
        patch(id, s => ({ ...s, live, liveError: undefined, busy: undefined }));
      } catch (e) {
        patch(id, s => ({ ...s, busy: undefined, actionError: toError(e) }));
      }
    },
    [api, patch],
  );

  return { states, refresh, runLiveChecks };
}
