import type { CheckResult } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { describeObject } from '../core/manifest';
import { encryptedPaths, isSopsEncrypted } from '../flux/sops';
import { anyShapeAt, hasShape, shapeProblems } from '../k8s/shapes';
import { locate } from '../yaml/locate';
import { defineClusterRule } from './rule';

/** The objects the rules read have the shape their CRDs define. @public */
export const manifestShape = defineClusterRule({
  id: 'manifest-shape',
  title: 'Manifest shape',
  severity: 'error',
  scope: 'cluster',
  description:
    'The objects the rules read (DNSEndpoint, CiliumLoadBalancerIPPool, HelmRelease, Flux Kustomization) have the shape their CRDs define for those fields: types, required fields, enums. The offline stand-in for `kubectl --dry-run=client`.',
  remediation: () =>
    'Correct the field named in the message (its type or value) as the CRD defines it.',
  messages: {
    problem: '{{object}}: {{problem}}',
    valid: 'each of the {{count:object}} checked has the shape its CRD defines',
    encrypted:
      '{{object}} is encrypted with SOPS: Flux decrypts it, its fields are not known here',
  },
  check(mesh, c, r) {
    const out: CheckResult[] = [];
    let checked = 0;
    const encrypted: CheckResult[] = [];
    for (const { object } of c.render.objects) {
      // a SOPS-encrypted manifest holds ciphertext where its values go:
      // not known here, unless all of it is in fields of any shape (a
      // HelmRelease's values: a password, with an encrypted_regex)
      let body = object.body;
      if (isSopsEncrypted(body)) {
        if (!hasShape(object.apiVersion, object.kind)) continue;
        const known = encryptedPaths(body).every(path =>
          anyShapeAt(object.apiVersion, object.kind, path),
        );
        if (!known) {
          encrypted.push(
            r.notEvaluated(
              'encrypted',
              { object: describeObject(object) },
              locate(object),
            ),
          );
          continue;
        }
        const { sops: _sops, ...plain } = body;
        body = plain;
      }
      const problems = shapeProblems(
        object.apiVersion,
        object.kind,
        body,
        mesh.conventions.flux.version,
      );
      if (!problems) continue;
      checked++;
      for (const p of problems)
        out.push(
          r.fail(
            'problem',
            { object: describeObject(object), problem: p.message },
            locate(object, p.path),
          ),
        );
    }
    if (out.length || encrypted.length) return [...out, ...encrypted];
    return [r.pass('valid', { count: checked })];
  },
});
