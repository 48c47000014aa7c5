import { finding } from '../../core/finding';
import type { ManifestObject } from '../../core/manifest';
import { isRecord } from '../../core/paths';
import type { Accumulation } from './accumulate';
import { HashMemo, nameSuffixHash } from './hash';
import { derivedOnce, updateIn, withField } from './immutable';
import { fixNameReferences } from './nameReferences';
import {
  nameOf,
  Res,
  storePreviousId,
  toManifest,
  withBody,
  withMeta,
} from './resource';
import { dropLocalConfig } from './transformers';

/** `a/b` relative to `from` (both repository paths), as kustomize's origin paths are. */
function relativePath(from: string, to: string): string {
  const a = from ? from.split('/') : [];
  const b = to.split('/');
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

/** kustomize's `config.kubernetes.io/origin` annotation (buildMetadata: originAnnotations). */
function withOrigin(res: Res, root: string): Res {
  const origin = res.origin ?? { path: res.source.file };
  if (!origin) return res;
  const text =
    'path' in origin
      ? `path: ${relativePath(root, origin.path)}\n`
      : `configuredIn: ${relativePath(
          root,
          origin.configuredIn,
        )}\nconfiguredBy:\n  apiVersion: builtin\n  kind: ${
          origin.generator
        }\n`;
  return withBody(
    res,
    derivedOnce(res.body, `origin\u0000${text}`, () =>
      updateIn(res.body, ['metadata', 'annotations'], current =>
        withField(
          isRecord(current) ? current : {},
          'config.kubernetes.io/origin',
          text,
        ),
      ),
    ),
  );
}

/**
 * What kustomize does once, at the end of a build (not per kustomization):
 * the name-suffix hash of generated ConfigMaps and Secrets (over their
 * final content, after every prefix, suffix and patch), the name
 * references to renamed objects, and leaving out local-config objects.
 */
export function finishBuild(
  acc: Accumulation,
  options: { originAnnotationsFrom?: string; hashes?: HashMemo } = {},
): {
  objects: ManifestObject[];
  findings: Accumulation['findings'];
  ok: boolean;
} {
  let findings = acc.findings;
  let ok = acc.ok;
  let resources: Res[] = acc.resources;
  if (resources.some(r => r.hashSuffix))
    resources = resources.map(res => {
      if (!res.hashSuffix) return res;
      const hashed = storePreviousId(res);
      const name = `${nameOf(res)}-${nameSuffixHash(res.body, options.hashes)}`;
      return withBody(
        hashed,
        derivedOnce(
          res.body,
          `name\u0000${name}`,
          () => withMeta(res, 'name', name).body,
        ),
      );
    });
  resources = fixNameReferences(
    resources,
    acc.config.nameReference,
    (res, message) => {
      if (findings === acc.findings) findings = [...acc.findings];
      findings.push(
        finding(
          'kustomize-error',
          'error',
          `${message}; kustomize fails`,
          res.generatedAt ?? { file: res.source.file, line: res.source.line },
        ),
      );
      ok = false;
    },
  );
  resources = dropLocalConfig(resources);
  if (options.originAnnotationsFrom !== undefined) {
    const root = options.originAnnotationsFrom;
    resources = resources.map(r => withOrigin(r, root));
  }
  return { objects: resources.map(toManifest), findings, ok };
}
