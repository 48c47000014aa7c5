import { stringify } from 'yaml';
import type { MeshConventions } from '../conventions/schema';
import { variableReference } from '../conventions/templates';
import { kustomizationFileNames } from '../flux/kustomize';
import { dirnamePath } from '../tree/RepoTree';
import { EditSet, PlanError } from './transaction';

/** Plans the DNSEndpoint (one entry per cluster, by settings variables) and its kustomization entry. */
export function planDnsEndpoint(
  edits: EditSet,
  conventions: MeshConventions,
  type: 'A' | 'AAAA',
) {
  const { dnsEndpoint, variables, dns } = conventions;
  const file = dnsEndpoint.file;
  const endpoint: Record<string, unknown> = {
    dnsName: variableReference(variables.fqdn),
    recordType: type,
    recordTTL: dns.ttl,
    targets: [variableReference(variables.lbIp)],
  };
  if (dns.provider === 'cloudflare')
    endpoint.providerSpecific = [
      {
        name: `${dns.externalDnsAnnotationPrefix}cloudflare-proxied`,
        value: 'false',
      },
    ];
  const existing = edits.exists(file);
  if (!existing) {
    edits.created.set(
      file,
      `---\n${stringify(
        {
          apiVersion: 'externaldns.k8s.io/v1alpha1',
          kind: 'DNSEndpoint',
          metadata: {
            name: dnsEndpoint.name,
            namespace: dnsEndpoint.namespace,
          },
          spec: { endpoints: [endpoint] },
        },
        { lineWidth: 0 },
      )}`,
    );
    edits.reason(
      file,
      `DNSEndpoint: ExternalDNS publishes ${variableReference(
        variables.fqdn,
      )} → ${variableReference(
        variables.lbIp,
      )} for each cluster (Cloudflare "DNS only")`,
    );
    includeInKustomization(edits, file);
    return;
  }
  const editor = edits.editor(file, 'the DNSEndpoint');
  const doc = editor.findDocument('DNSEndpoint');
  if (doc < 0) throw new PlanError(file, 'has no DNSEndpoint');
  const endpoints = (editor.get(doc, ['spec', 'endpoints']) ?? []) as any[];
  const index = endpoints.findIndex(e => e?.dnsName === endpoint.dnsName);
  if (index < 0) {
    editor.appendItem(doc, ['spec', 'endpoints'], endpoint);
    edits.reason(
      file,
      `endpoint ${endpoint.dnsName} → ${variableReference(
        variables.lbIp,
      )} added`,
    );
  } else {
    const e = endpoints[index];
    for (const key of ['recordType', 'recordTTL'] as const) {
      if (e[key] !== endpoint[key]) {
        editor.setScalar(
          doc,
          ['spec', 'endpoints', index, key],
          endpoint[key] as any,
        );
        edits.reason(file, `${key} ${endpoint[key]}`);
      }
    }
    const targets = endpoint.targets as string[];
    if (
      !Array.isArray(e.targets) ||
      e.targets.length !== 1 ||
      e.targets[0] !== targets[0]
    ) {
      if (Array.isArray(e.targets) && e.targets.length === 1)
        editor.setScalar(
          doc,
          ['spec', 'endpoints', index, 'targets', 0],
          targets[0],
        );
      else
        throw new PlanError(
          file,
          `endpoint ${endpoint.dnsName} should have the single target ${targets[0]}; fix its targets by hand`,
        );
      edits.reason(file, `target ${targets[0]}`);
    }
  }
  includeInKustomization(edits, file);
}

function includeInKustomization(edits: EditSet, file: string) {
  const dir = dirnamePath(file);
  const kustomization = kustomizationFileNames
    .map(n => (dir ? `${dir}/${n}` : n))
    .find(p => edits.exists(p));
  if (!kustomization) return; // Flux generates one that takes every file
  const editor = edits.editor(kustomization, 'the kustomization');
  const base = file.slice(dir.length + 1);
  const resources = editor.get(0, ['resources']);
  if (
    Array.isArray(resources) &&
    resources.some(r => r === base || r === `./${base}`)
  )
    return;
  editor.appendItem(0, ['resources'], base);
  edits.reason(kustomization, `${base} included, so Flux applies it`);
}
