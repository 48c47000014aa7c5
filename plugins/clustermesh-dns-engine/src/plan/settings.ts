import type { IpAddress } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { MeshConventions } from '../conventions/schema';
import { clusterPath, fqdnTemplateFor } from '../conventions/templates';
import { getPath, hasOwn, isRecord } from '../core/paths';
import type { MeshModel } from '../model/types';
import { lineAtPath } from '../yaml/lines';
import type { MeshDnsChangeInput } from './input';
import { EditSet, PlanError } from './transaction';

/** Plans the settings entries of each cluster: its FQDN, its LB IP and one FQDN per peer. */
export function planSettings(
  edits: EditSet,
  mesh: MeshModel,
  input: MeshDnsChangeInput,
  conventions: MeshConventions,
  addresses: IpAddress[],
) {
  const { variables, settings } = conventions;
  // each cluster's FQDN template, written once per peer in every other cluster
  const templates = new Map<string, string>();
  const templateOf = (name: string) => {
    let template = templates.get(name);
    if (template === undefined) {
      template = fqdnTemplateFor(conventions, name);
      templates.set(name, template);
    }
    return template;
  };
  input.clusters.forEach((c, i) => {
    const cluster = mesh.byName.get(c.name)!;
    const file = cluster.settingsObject
      ? cluster.settingsLocation.file
      : clusterPath(settings.file, c.name);
    // the settings as written (before substitution), from the model
    const root = cluster.settingsObject?.object.source.root;
    const written = getPath(root, ['data']);
    const data = isRecord(written) ? written : undefined;
    let changes: Array<[string, string]> = [];
    const want = (key: string, value: string) => {
      if (data?.[key] !== value) changes.push([key, value]);
    };
    want(variables.fqdn, templateOf(c.name));
    want(variables.lbIp, addresses[i].text);
    for (const { peer, variable } of cluster.peers)
      want(variable, templateOf(peer));
    if (
      !data ||
      !edits.setLines(
        file,
        changes.map(([key, value]) => ({
          line: hasOwn(data, key) ? lineAtPath(root, ['data', key]) ?? 0 : 0,
          key,
          current: data[key],
          value,
        })),
        ['data'],
      )
    ) {
      // new keys, or values the lines alone cannot change: edit the file
      const editor = edits.editor(
        file,
        `the ClusterMesh settings of ${c.name}`,
      );
      const doc = editor.findDocument('ConfigMap', settings.configMap);
      if (doc < 0)
        throw new PlanError(file, `has no ConfigMap ${settings.configMap}`);
      const inFile = (data ?? editor.get(doc, ['data']) ?? {}) as Record<
        string,
        unknown
      >;
      changes = changes.filter(([key, value]) => inFile[key] !== value);
      for (const [key, value] of changes)
        editor.setScalar(doc, ['data', key], value);
      edits.settle(file);
    }
    for (const [key, value] of changes)
      edits.reason(
        file,
        key === variables.lbIp
          ? `${c.name}: ${key} = ${value}, the clustermesh-apiserver LoadBalancer IP`
          : `${c.name}: ${key} = ${value}`,
      );
  });
}
