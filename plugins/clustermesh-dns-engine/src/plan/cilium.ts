import { certificateNameCovers } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { secretPlaceholderPattern } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { MeshConventions } from '../conventions/schema';
import { clusterPath, variableReference } from '../conventions/templates';
import { getPath, isRecord, ObjectPath } from '../core/paths';
import type { MeshModel } from '../model/types';
import type { YamlTextEditor } from '../yaml/edit';
import { MeshDnsChangeInput, plannedFqdn } from './input';
import { planPeers } from './peers';
import { EditSet, PlanError } from './transaction';

/** The peers of a cluster, as the model has them (configured or all others). */
function peersOf(mesh: MeshModel, cluster: string): string[] {
  return mesh.byName.get(cluster)!.peers.map(p => p.peer);
}

/** Where Cilium values are written, and for which clusters. */
export interface CiliumTarget {
  file: string;
  doc: number;
  root: ObjectPath;
  /** Values are literal (a values file Flux does not substitute). */
  literal: boolean;
  /** Clusters whose entries go in `clustermesh.config.clusters`. */
  members: string[];
  cluster?: string;
}

function ciliumTargets(
  edits: EditSet,
  mesh: MeshModel,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
): CiliumTarget[] {
  const { cilium } = conventions;
  if (cilium.valuesFile) {
    return input.clusters.map(c => {
      const file = clusterPath(cilium.valuesFile!, c.name);
      return {
        file,
        doc: 0,
        root: [],
        literal: true,
        members: peersOf(mesh, c.name),
        cluster: c.name,
      };
    });
  }
  const file = cilium.helmRelease.file;
  const doc =
    edits
      .readDocuments(file)
      ?.findIndex(
        d =>
          isRecord(d) &&
          d.kind === 'HelmRelease' &&
          getPath(d, ['metadata', 'name']) === cilium.helmRelease.name,
      ) ??
    edits
      .editor(file, 'the Cilium HelmRelease')
      .findDocument('HelmRelease', cilium.helmRelease.name);
  if (doc < 0)
    throw new PlanError(file, `has no HelmRelease ${cilium.helmRelease.name}`);
  return [
    {
      file,
      doc,
      root: ['spec', 'values'],
      literal: false,
      members: mesh.clusters.map(c => c.name),
    },
  ];
}

/** What planning reads and changes in a YAML file: a {@link YamlTextEditor}, or a probe. */
export type ValuesEditor = Pick<
  YamlTextEditor,
  'get' | 'setScalar' | 'setEntries' | 'appendItem' | 'deleteKey'
>;

/** Reads parsed documents and notes whether any edit is asked for, editing nothing. */
class ChangeProbe implements ValuesEditor {
  changes = false;
  constructor(private readonly documents: readonly unknown[]) {}
  get(doc: number, path: ObjectPath): unknown {
    return getPath(this.documents[doc], path);
  }
  setScalar() {
    this.changes = true;
  }
  setEntries() {
    this.changes = true;
  }
  appendItem() {
    this.changes = true;
  }
  deleteKey() {
    this.changes = true;
  }
}

export function planCilium(
  edits: EditSet,
  mesh: MeshModel,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
) {
  for (const target of ciliumTargets(edits, mesh, input, conventions)) {
    // the file as read: when nothing would change, no editor is opened
    const documents = edits.readDocuments(target.file);
    if (documents) {
      const probe = new ChangeProbe(documents);
      planCiliumTarget(probe, target, input, conventions, () => {});
      if (!probe.changes) continue;
    }
    planCiliumTarget(
      edits.editor(
        target.file,
        target.cluster
          ? `the Cilium values of ${target.cluster}`
          : 'the Cilium values',
      ),
      target,
      input,
      conventions,
      text => edits.reason(target.file, text),
    );
  }
}

function planCiliumTarget(
  editor: ValuesEditor,
  target: CiliumTarget,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
  why: (text: string) => void,
) {
  const { variables, cilium } = conventions;
  const at = (...path: Array<string | number>) => [...target.root, ...path];
  const inputCluster = input.clusters.find(c => c.name === target.cluster);
  const lbIp = target.literal
    ? inputCluster!.ip
    : variableReference(variables.lbIp);
  const fqdn = target.literal
    ? plannedFqdn(conventions, target.cluster!)
    : variableReference(variables.fqdn);
  const secret = target.literal
    ? [...fqdn.matchAll(secretPlaceholderPattern)][0]?.[1]
    : undefined;
  if (secret)
    throw new PlanError(
      target.file,
      `is not substituted by Flux, so it needs the FQDN of ${target.cluster} written out; set \`values\` for ${secret} in the conventions`,
    );
  if (
    editor.get(
      target.doc,
      at('clustermesh', 'apiserver', 'service', 'type'),
    ) !== 'LoadBalancer'
  ) {
    editor.setScalar(
      target.doc,
      at('clustermesh', 'apiserver', 'service', 'type'),
      'LoadBalancer',
    );
    why(
      'clustermesh-apiserver as a LoadBalancer service, so it gets an LB IPAM address',
    );
  }
  const annotations = (editor.get(
    target.doc,
    at('clustermesh', 'apiserver', 'service', 'annotations'),
  ) ?? {}) as Record<string, unknown>;
  if (annotations[cilium.lbIpamAnnotation] !== lbIp) {
    editor.setEntries(
      target.doc,
      at('clustermesh', 'apiserver', 'service', 'annotations'),
      {
        [cilium.lbIpamAnnotation]: lbIp,
      },
    );
    why(
      `${cilium.lbIpamAnnotation}: ${lbIp}, so the service keeps the address the record points at`,
    );
  }
  const sans = editor.get(
    target.doc,
    at('clustermesh', 'apiserver', 'tls', 'server', 'extraDnsNames'),
  );
  const covered =
    Array.isArray(sans) && sans.some(n => certificateNameCovers(n, fqdn));
  if (!covered) {
    editor.appendItem(
      target.doc,
      at('clustermesh', 'apiserver', 'tls', 'server', 'extraDnsNames'),
      fqdn,
    );
    why(`${fqdn} in the server certificate, since peers now connect by name`);
  }
  if (editor.get(target.doc, at('clustermesh', 'config', 'enabled')) !== true) {
    editor.setScalar(target.doc, at('clustermesh', 'config', 'enabled'), true);
  }
  planPeers(
    editor,
    target,
    at('clustermesh', 'config', 'clusters'),
    conventions,
    why,
  );
}
