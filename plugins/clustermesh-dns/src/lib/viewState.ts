import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { DeclaredStatus } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { isDeclaredStatus } from './status';

/** The columns the cluster table sorts by. */
export const sortKeys = [
  'source',
  'cluster',
  'fqdn',
  'ip',
  'pool',
  'record',
  'declared',
  'live',
] as const;
export type SortKey = (typeof sortKeys)[number];

/**
 * What the page shows, all of it in the URL's query so that a view can be
 * shared and a URL restores it:
 * `?source=example&ref=my-branch&q=infra&status=fail,warn&rule=tls-san&sort=ip&dir=desc&open=example/infra`.
 */
export interface ViewState {
  /** Only this source (its id); every source when undefined. */
  source?: string;
  /** A branch, tag or commit of the repository sources; their configured branch when undefined. */
  ref?: string;
  /** Search text: cluster, FQDN (as written or resolved) or LB IP. */
  q: string;
  /** Declared statuses shown; every status when empty. */
  status: DeclaredStatus[];
  /** Only clusters failing this rule. */
  rule?: string;
  sort: SortKey;
  dir: 'asc' | 'desc';
  /** Expanded rows, as `<source>/<cluster>`. */
  open: string[];
}

const list = (value: string | null) =>
  value
    ? value
        .split(',')
        .map(v => v.trim())
        .filter(Boolean)
    : [];

export function parseViewState(params: URLSearchParams): ViewState {
  const sort = params.get('sort');
  return {
    source: params.get('source') || undefined,
    ref: params.get('ref')?.trim() || undefined,
    q: params.get('q') ?? '',
    status: list(params.get('status')).filter(isDeclaredStatus),
    rule: params.get('rule') || undefined,
    sort: (sortKeys as readonly string[]).includes(sort ?? '')
      ? (sort as SortKey)
      : 'cluster',
    dir: params.get('dir') === 'desc' ? 'desc' : 'asc',
    open: list(params.get('open')),
  };
}

/** The query of a view; defaults are left out so URLs stay short. */
export function viewStateQuery(
  state: Partial<ViewState>,
  base = new URLSearchParams(),
): URLSearchParams {
  const params = new URLSearchParams(base);
  const set = (key: string, value: string | undefined) => {
    if (value) params.set(key, value);
    else params.delete(key);
  };
  if ('source' in state) set('source', state.source);
  if ('ref' in state) set('ref', state.ref);
  if ('q' in state) set('q', state.q);
  if ('status' in state) set('status', state.status?.join(','));
  if ('rule' in state) set('rule', state.rule);
  if ('sort' in state)
    set('sort', state.sort === 'cluster' ? undefined : state.sort);
  if ('dir' in state) set('dir', state.dir === 'desc' ? 'desc' : undefined);
  if ('open' in state) set('open', state.open?.join(','));
  return params;
}

/** The page's view, read from and written to the URL's query. */
export function useViewState(): [
  ViewState,
  (patch: Partial<ViewState>, options?: { replace?: boolean }) => void,
] {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => parseViewState(params), [params]);
  const update = useCallback(
    (patch: Partial<ViewState>, options?: { replace?: boolean }) =>
      setParams(current => viewStateQuery(patch, current), {
        replace: options?.replace ?? false,
      }),
    [setParams],
  );
  return [state, update];
}
