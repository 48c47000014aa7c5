import type { SourceLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { Operation } from 'fast-json-patch';
import { finding, EngineFinding } from '../../core/finding';
import { isRecord } from '../../core/paths';
import { sameResource } from './accumulation';
import type { ManifestObject, PatchOrigin } from '../../core/manifest';
import {
  applyJsonPatch,
  asOperations,
  JsonPatchFailure,
  pointerKeys,
} from './jsonPatch';
import { lineTable } from '../../yaml/lines';
import { mergeSchemaOf } from './mergeKeys';
import {
  allIds,
  apiVersionOf,
  curId,
  describeRes,
  kindOf,
  nameOf,
  namespaceOf,
  Res,
  ResId,
  storePreviousId,
  withBody,
  withMeta,
} from './resource';
import { compileTarget, CompiledSelector, readTarget } from './selectors';
import { SmpError, strategicMerge } from './strategicMerge';

/**
 * A patch as declared, before it is read: from a kustomization's `patches`,
 * `patchesStrategicMerge` or `patchesJson6902`, or from a Flux
 * Kustomization's fields of the same names.
 */
export interface PatchSource {
  field: 'patches' | 'patchesStrategicMerge' | 'patchesJson6902';
  /** The patch's documents as parsed (inline text, a file, or Flux's objects). */
  documents: unknown[];
  /** Set when the documents could not be read (the reason, without location). */
  unreadable?: string;
  /**
   * The file whose lines the documents' line tables hold (a patch file, or
   * the Flux Kustomization that holds the patch as YAML); absent for inline
   * text, located at `location`.
   */
  documentsFile?: string;
  /** For a patch file: each document's index in it. */
  documentIndexes?: ReadonlyMap<unknown, number>;
  /**
   * For inline text in a block scalar (`patch: |`), whose lines are the
   * file's: the file line before the text's first line, so that a field
   * the patch sets is located on its own line.
   */
  textLineOffset?: number;
  target?: unknown;
  allowNameChange?: boolean;
  allowKindChange?: boolean;
  location: SourceLocation;
  /** What declares it, for messages: "the patch", "Kustomization flux-system/apps spec.patches[0]". */
  label: string;
}

/** A patch ready to apply. */
export type LoadedPatch =
  | {
      type: 'smp';
      field: PatchSource['field'];
      docs: Record<string, any>[];
      target?: CompiledSelector;
      source: PatchSource;
    }
  | {
      type: 'json';
      field: PatchSource['field'];
      ops: Operation[];
      target: CompiledSelector;
      source: PatchSource;
    };

const isSmpDoc = (d: unknown): d is Record<string, any> =>
  isRecord(d) &&
  typeof d.kind === 'string' &&
  d.kind !== '' &&
  isRecord(d.metadata) &&
  typeof d.metadata.name === 'string' &&
  d.metadata.name !== '';

/** Reads a patch the way kustomize configures its patch transformers; a finding when it cannot. */
export function loadPatch(
  source: PatchSource,
  findings: EngineFinding[],
): LoadedPatch | undefined {
  const fail = (message: string) => {
    findings.push(
      finding(
        'kustomize-error',
        'error',
        `${source.label} ${message}; kustomize fails`,
        source.location,
      ),
    );
    return undefined;
  };
  if (source.unreadable) return fail(source.unreadable);
  let target: CompiledSelector | undefined;
  if (source.target !== undefined && source.target !== null) {
    const read = readTarget(source.target);
    if ('error' in read) return fail(`has a target that ${read.error}`);
    if (source.field === 'patchesJson6902' && !read.name)
      return fail(
        'has a target without a name, which patchesJson6902 requires',
      );
    const compiled = compileTarget(read);
    if ('error' in compiled)
      return fail(`has a target where ${compiled.error}`);
    target = compiled;
  }
  const docs = source.documents.filter(d => d !== null && d !== undefined);
  if (!docs.length) return fail('is empty');
  const smp = docs.every(isSmpDoc);
  const ops =
    source.field === 'patchesStrategicMerge'
      ? 'not json'
      : asOperations(docs[0]);
  if (source.field === 'patchesJson6902' || (!smp && typeof ops !== 'string')) {
    if (typeof ops === 'string')
      return fail(`is not a JSON 6902 patch: it ${ops}`);
    if (!target)
      return fail('is a JSON 6902 patch without a target, which it needs');
    return { type: 'json', field: source.field, ops, target, source };
  }
  if (!smp) {
    const bad = docs.find(d => !isSmpDoc(d));
    return fail(
      isRecord(bad)
        ? 'is neither a strategic merge patch (a document with kind and metadata.name) nor a list of JSON 6902 operations'
        : 'is neither a strategic merge patch nor a list of JSON 6902 operations',
    );
  }
  if (target && docs.length > 1)
    return fail(
      'has several documents and a target; kustomize allows one document per targeted patch',
    );
  return {
    type: 'smp',
    field: source.field,
    docs: docs as Record<string, any>[],
    target,
    source,
  };
}

/** The id a strategic merge patch without target names. */
const patchId = (
  doc: Record<string, any>,
): { apiVersion: string; id: ResId } => ({
  apiVersion: typeof doc.apiVersion === 'string' ? doc.apiVersion : '',
  id: {
    kind: doc.kind,
    name: doc.metadata.name,
    namespace:
      typeof doc.metadata.namespace === 'string' && doc.metadata.namespace
        ? doc.metadata.namespace
        : undefined,
  },
});

const describeId = (p: { apiVersion: string; id: ResId }) =>
  `${p.id.kind} ${p.id.namespace ? `${p.id.namespace}/` : ''}${p.id.name}${
    p.apiVersion ? ` (${p.apiVersion})` : ''
  }`;

/** Where a patch is, for locating what it sets. */
function patchPlace(source: PatchSource): {
  file: string;
  line?: number;
  lineOffset?: number;
} {
  if (source.documentsFile) return { file: source.documentsFile };
  return {
    file: source.location.file,
    line: source.location.line,
    ...(source.textLineOffset !== undefined && {
      lineOffset: source.textLineOffset,
    }),
  };
}

/**
 * A strategic merge patch of an object not fetched, as an object: its
 * fields are located in the patch.
 */
function patchObject(
  patch: LoadedPatch & { type: 'smp' },
  doc: Record<string, any>,
  { apiVersion, id }: { apiVersion: string; id: ResId },
): ManifestObject {
  const place = patchPlace(patch.source);
  return {
    apiVersion,
    kind: id.kind,
    name: id.name,
    ...(id.namespace ? { namespace: id.namespace } : {}),
    body: doc,
    source: {
      file: place.file,
      index: -1,
      line: place.line ?? patch.source.location.line,
      root: undefined,
      patches: [
        {
          ...place,
          kind: 'merge',
          document: doc,
          index: patch.source.documentIndexes?.get(doc),
        },
      ],
    },
  };
}

/** The origin a JSON 6902 patch leaves on what it patched: the operations that write. */
function jsonOrigin(patch: LoadedPatch & { type: 'json' }): PatchOrigin {
  const lines = lineTable(patch.ops);
  return {
    ...patchPlace(patch.source),
    kind: 'json',
    operations: patch.ops.flatMap((op, i) =>
      op.op === 'add' ||
      op.op === 'replace' ||
      op.op === 'copy' ||
      op.op === 'move'
        ? [
            {
              path: pointerKeys(op.path),
              value: 'value' in op ? op.value : undefined,
              line: lines?.[i],
              index: i,
            },
          ]
        : [],
    ),
  };
}

/** A resource with one more patch in its source's origins. */
function patchedBy(res: Res, origin: PatchOrigin): Res {
  return {
    ...res,
    source: {
      ...res.source,
      patches: [...(res.source.patches ?? []), origin],
    },
  };
}

/** Applies one strategic merge patch document to a resource (kustomize keeps the kind, name and namespace). */
function mergeInto(
  res: Res,
  doc: Record<string, any>,
  patch: LoadedPatch & { type: 'smp' },
): Res | undefined {
  const allowName = !!patch.source.allowNameChange;
  const allowKind = !!patch.source.allowKindChange;
  const { kind, name, namespace } = curId(res);
  let current = allowName || allowKind ? storePreviousId(res) : res;
  const forRes = patch.target ? { ...doc, apiVersion: apiVersionOf(res) } : doc;
  const merged = strategicMerge(
    current.body,
    forRes,
    mergeSchemaOf(apiVersionOf(res), kind),
  );
  if (!merged) return undefined;
  current = withBody(current, merged);
  if (!allowKind && kindOf(current) !== kind)
    current = withBody(current, { ...current.body, kind });
  if (!allowName && nameOf(current) !== name)
    current = withMeta(current, 'name', name);
  if (namespaceOf(current) !== namespace)
    current = withMeta(current, 'namespace', namespace);
  return patchedBy(current, {
    ...patchPlace(patch.source),
    kind: 'merge',
    document: doc,
    index: patch.source.documentIndexes?.get(doc),
  });
}

/**
 * Applies patches in order (one transformer phase), as kustomize does:
 * a strategic merge patch without target must find its object by id (by
 * any name it had), else the build fails; a target selects any number of
 * objects, none included. A patch that deletes an object removes it.
 */
export function applyPatches(
  resources: readonly Res[],
  patches: readonly LoadedPatch[],
  findings: EngineFinding[],
  /** Some resources were not evaluated (remote, helmCharts): a missing object may be among them. */
  incomplete = false,
): { resources: Res[]; ok: boolean } {
  let list: (Res | undefined)[] = [...resources];
  let ok = true;
  const fail = (patch: LoadedPatch, message: string) => {
    findings.push(
      finding(
        'kustomize-error',
        'error',
        `${patch.source.label} ${message}; kustomize fails`,
        patch.source.location,
      ),
    );
    ok = false;
  };
  for (const patch of patches) {
    const selected = (r: Res) => patch.target!.matches(r);
    if (patch.type === 'json') {
      list = list.map(res => {
        if (!res || !selected(res)) return res;
        try {
          const before = patch.field === 'patches' ? storePreviousId(res) : res;
          return patchedBy(
            withBody(before, applyJsonPatch(before.body, patch.ops)),
            jsonOrigin(patch),
          );
        } catch (e) {
          if (!(e instanceof JsonPatchFailure)) throw e;
          fail(patch, `cannot be applied to ${describeRes(res)}: ${e.message}`);
          return res;
        }
      });
      continue;
    }
    const apply = (res: Res, doc: Record<string, any>) => {
      try {
        return mergeInto(res, doc, patch);
      } catch (e) {
        if (!(e instanceof SmpError)) throw e;
        fail(patch, `cannot be merged into ${describeRes(res)}: ${e.message}`);
        return res;
      }
    };
    if (patch.target) {
      list = list.map(res =>
        res && selected(res) ? apply(res, patch.docs[0]) : res,
      );
      continue;
    }
    for (const doc of patch.docs) {
      const id = patchId(doc);
      const matches = list.flatMap((res, i) =>
        res &&
        allIds(res).some(other =>
          sameResource({ apiVersion: apiVersionOf(res), id: other }, id),
        )
          ? [i]
          : [],
      );
      if (matches.length === 0 && incomplete) {
        // the object comes from what is not fetched, already said so; a
        // patch adds no object, and no check reads the one it patches
        findings.push({
          ...finding(
            'not-evaluated',
            'info',
            `${patch.source.label} patches ${describeId(
              id,
            )}, which is not among the objects evaluated here (the build has resources this engine does not fetch)`,
            patch.source.location,
          ),
          patchOfUnfetched: patchObject(patch, doc, id),
        });
        continue;
      }
      if (matches.length !== 1) {
        fail(
          patch,
          matches.length
            ? `patches ${describeId(id)}, which matches several objects`
            : `patches ${describeId(
                id,
              )}, which the build does not have (no resource matches its apiVersion, kind, name and namespace)`,
        );
        continue;
      }
      list[matches[0]] = apply(list[matches[0]]!, doc);
    }
  }
  return { resources: list.filter((r): r is Res => r !== undefined), ok };
}
