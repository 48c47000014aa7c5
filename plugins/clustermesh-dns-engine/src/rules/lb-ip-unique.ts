import {
  formatLocation,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type {
  CheckResult,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { firstFew } from '../core/text';
import {
  lbIpamSharingOf,
  poolsHolding,
  RequestedAddress,
  requestedAddresses,
  SecretRequestedAddress,
  sharedByDesign,
} from '../model/queries';
import { ciliumValuesPaths } from '../cilium/values';
import type { ClusterModel, MeshModel } from '../model/types';
import { getPath, isRecord } from '../core/paths';
import { locate } from '../yaml/locate';
import { defineMeshRule, sharedValues } from './rule';

/** No two clusters share an LB IP. @public */
export const lbIpUnique = defineMeshRule({
  id: 'lb-ip-unique',
  title: 'LB IPs unique',
  severity: 'error',
  scope: 'mesh',
  description:
    "No two clusters share an LB IP, and no other Service or Gateway asks LB IPAM for it (an LB IPAM annotation, `spec.loadBalancerIP`, a Gateway's `spec.addresses`, or the same in a HelmRelease's values for a Service its chart makes, outside a block with `enabled: false`): not one of the cluster's own, as LB IPAM gives an address to one service only (unless they share it by design: the same `lbipam.cilium.io/sharing-key`, and across namespaces a `lbipam.cilium.io/sharing-cross-namespace` on each that allows the other's), nor one of another member whose pools hold it, as Cilium answers a local LoadBalancer address itself and that member would never reach the cluster; nor the API server's address the Cilium values name (`k8sServiceHost`). An address asked for by a secret value (a variable from a SOPS Secret) is not known: not evaluated, unless SOPS, which keeps a value's length, says it is not as long as the LB IP. A warning when another variable of the cluster's settings holds the LB IP and the repository uses it outside the Cilium values, the records and the pools, or, named for the API server's address (`KUBE_API_ADDR`, `KUBE_VIP_ADDR`), another file writes that address out: that address is most likely taken; and a warning when a machine has the LB IP in the repository's Talos configuration (talhelper's `talconfig.yaml`: a node's address, the API server's VIP or endpoint, the gateway) or Ansible inventory (a host's `ansible_host`), an error where that configuration is the cluster's own (in its folder, or a folder of its name).",
  remediation: (c, failure) => {
    const where = `as its LB IP (\`${c.variables.lbIp}\` in its settings, or the clustermesh-apiserver's LB IPAM annotation where the address is written out)`;
    if (failure?.id === 'taken' || failure?.id === 'takenByPeer')
      return `Give the cluster an address of its pool that no other Service or Gateway of the mesh asks for, ${where}.`;
    // the address of a machine or of the API server, not a Service's (NontQ)
    if (
      failure?.id === 'apiServer' ||
      failure?.id === 'machineAddress' ||
      failure?.id === 'ownMachineAddress' ||
      failure?.id === 'sameAsSetting'
    )
      return `Give the cluster an address of its pool that no machine, API server, Service or Gateway already has, ${where}; keep such addresses out of the pool's blocks.`;
    return `Give each cluster its own address from its own pool, ${where}.`;
  },
  messages: {
    shared: 'LB IP {{ip}} is shared by {{clusters}}',
    taken:
      'LB IP {{ip}} is also asked for by {{other}} of the same cluster ({{where}}): LB IPAM gives it to one of them only',
    takenByPeer:
      "LB IP {{ip}} is also asked for by {{other}} of {{peer}} ({{where}}), whose pool holds it: where {{peer}} gets it, {{peer}}'s Cilium answers that address itself and never reaches this cluster's API server",
    unique: '{{count:LB IP}} set, no two the same',
    uniqueBesideSecrets:
      '{{count:LB IP}} set, no two the same; {{secrets:address}} other objects ask LB IPAM for from a secret {{are}} of another length (SOPS keeps it) or family (IPv6, by its written `:`) than the LB IP {{they}} could be',
    secretRequests:
      "{{count:LB IP}} set, no two the same, but {{requests}} {{ask}} LB IPAM for an address kept secret ({{variables}}), not known here: whether it is {{cluster}}'s LB IP {{ip}} cannot be told",
    none: 'no LB IP is set yet',
    sameAsSetting:
      'LB IP {{ip}} is also the value of {{variable}} in the settings, which names another address of the cluster (not the clustermesh-apiserver service): if that address is taken (an API server VIP, a gateway), LB IPAM gives the service an address that something else answers',
    unknown:
      'the LB IP of {{clusters}} comes from {{variables}}, not known here: whether all LB IPs differ cannot be told',
    apiServer:
      "LB IP {{ip}} is the Kubernetes API server's address its Cilium values name (k8sServiceHost at {{where}}): LB IPAM would give the clustermesh-apiserver an address the API server answers",
    ownMachineAddress:
      'LB IP {{ip}} is also {{what}} in {{where}}{{talos}}, the configuration of this cluster: LB IPAM gives the clustermesh-apiserver an address a machine already answers',
    machineAddress:
      "LB IP {{ip}} is also {{what}} in {{where}}{{talos}}: where that is this cluster's network, LB IPAM gives the clustermesh-apiserver an address a machine already answers",
  },
  check(mesh, r) {
    const isClustermeshService = (o: { kind: string; name: string }) =>
      o.kind === 'Service' && o.name === mesh.conventions.cilium.serviceName;
    // what each member's objects ask LB IPAM for, read once: written out,
    // and from secrets
    const asked = new Map(
      mesh.members.map(c => {
        const secret: SecretRequestedAddress[] = [];
        const addresses = requestedAddresses(c, {
          found: secret,
          repository: mesh.repository,
        });
        return [c, { addresses, secret }] as const;
      }),
    );
    const { distinct, shared } = sharedValues(
      mesh.members,
      c => c.lbIpAddress?.text,
    );
    // another Service or Gateway of the cluster asking for the same address
    // (not one sharing it by design: the same LB IPAM sharing key)
    const taken = mesh.members.flatMap(c => {
      const own = {
        sharing: lbIpamSharingOf(
          getPath(c.cilium?.values, ciliumValuesPaths.serviceAnnotations),
        ),
        namespace: c.cilium?.releaseNamespace,
      };
      return asked
        .get(c)!
        .addresses.filter(
          a =>
            a.address.text === c.lbIpAddress?.text &&
            // the clustermesh-apiserver Service itself, when written out
            !isClustermeshService(a.object) &&
            !sharedByDesign(own, {
              sharing: a.sharing,
              namespace: a.object.namespace,
            }),
        )
        .map(a =>
          r.forCluster(c).fail(
            'taken',
            {
              ip: a.address.text,
              other: a.what,
              where: formatLocation(a.location),
            },
            c.lbIp!.location,
          ),
        );
    });
    // the API server address Cilium's own values name (FrankelJb's
    // k8sServiceHost, a node's or kube-vip's address): in use
    for (const c of mesh.members) {
      const ip = c.lbIpAddress?.text;
      const host = getPath(c.cilium?.values, ['k8sServiceHost']);
      if (!ip || typeof host !== 'string' || host.trim() !== ip) continue;
      taken.push(
        r.forCluster(c).fail(
          'apiServer',
          {
            ip,
            where: formatLocation(c.cilium!.locate(['k8sServiceHost'])),
          },
          c.lbIp!.location,
        ),
      );
    }
    // a Service of another member asking for it from a pool of its own
    // (pools that overlap): Cilium serves a local LoadBalancer address itself
    // (looked up by address: every member against every other is a mesh squared)
    const askedFor = new Map<
      string,
      { cluster: ClusterModel; request: RequestedAddress }[]
    >();
    for (const [cluster, { addresses }] of asked)
      for (const request of addresses) {
        if (isClustermeshService(request.object)) continue;
        const text = request.address.text;
        let list = askedFor.get(text);
        if (!list) askedFor.set(text, (list = []));
        list.push({ cluster, request });
      }
    const takenByPeer = mesh.members.flatMap(c => {
      const ip = c.lbIpAddress;
      if (!ip) return [];
      return (askedFor.get(ip.text) ?? [])
        .filter(({ cluster: o }) => o !== c && poolsHolding(o, ip).length > 0)
        .map(({ cluster: o, request: a }) =>
          r.forCluster(c).fail(
            'takenByPeer',
            {
              ip: ip.text,
              other: a.what,
              peer: o.name,
              where: formatLocation(a.location),
            },
            c.lbIp!.location,
          ),
        );
    });
    if (shared.length || taken.length || takenByPeer.length)
      return [
        ...shared.map(({ cluster, value, sharers }) =>
          r
            .forCluster(cluster)
            .fail(
              'shared',
              { ip: value, clusters: sharers },
              cluster.lbIp!.location,
            ),
        ),
        ...taken,
        ...takenByPeer,
      ];
    const unknown = mesh.members.filter(
      c => unknownVariables(c.lbIp?.value).length > 0,
    );
    if (unknown.length)
      return [
        r.notEvaluated('unknown', {
          clusters: unknown.map(c => c.name).join(', '),
          variables: [
            ...new Set(unknown.flatMap(c => unknownVariables(c.lbIp!.value))),
          ].join(', '),
        }),
      ];
    // another address the settings name (the API server's VIP, a
    // gateway's) written the same: most likely taken by something else
    const takenElsewhere = mesh.members.flatMap(c => {
      const found = otherSettingWithAddress(mesh, c);
      return found
        ? [
            r
              .forCluster(c)
              .warn(
                'sameAsSetting',
                { ip: c.lbIpAddress!.text, variable: found.variable },
                found.location,
              ),
          ]
        : [];
    });
    // an address the repository gives machines (siggerzz's Talos VIP and
    // gateway, in the pool's range)
    const machines = mesh.members.some(c => c.lbIpAddress)
      ? mesh.repository.nodeAddresses()
      : [];
    for (const c of mesh.members) {
      const ip = c.lbIpAddress?.text;
      // the cluster's own file first, where a copied folder's says the same
      // (dapperdivers' dr talconfig, copied from main's)
      const holding = ip ? machines.filter(a => a.ip === ip) : [];
      const own = holding.find(a =>
        a.location.file.split('/').slice(0, -1).includes(c.name),
      );
      const machine = own ?? holding[0];
      if (!machine || !ip) continue;
      const data = {
        ip,
        what: machine.what,
        where: formatLocation(machine.location),
        talos: machine.cluster ? ` (Talos cluster ${machine.cluster})` : '',
      };
      const at = c.lbIp?.location ?? machine.location;
      // the cluster's own configuration: the address is surely taken
      takenElsewhere.push(
        own
          ? r.forCluster(c).fail('ownMachineAddress', data, at)
          : r.forCluster(c).warn('machineAddress', data, at),
      );
    }
    // addresses other Services ask for from a Secret: one may be an LB IP,
    // unless SOPS says its length differs
    let ruledOut = 0;
    const unknownRequests: CheckResult[] = [];
    const withSecrets = mesh.members.filter(o => asked.get(o)!.secret.length);
    for (const c of mesh.members) {
      const ip = c.lbIpAddress;
      if (!ip) continue;
      // (only members with such requests: every member against every other is a mesh squared)
      const asking = [
        c,
        ...withSecrets.filter(o => o !== c && poolsHolding(o, ip).length > 0),
      ];
      const requests = asking.flatMap(o => asked.get(o)!.secret);
      const open = requests.filter(
        q =>
          (q.length === undefined || q.length === ip.text.length) &&
          (q.family === undefined || q.family === ip.family) &&
          !isClustermeshService(q.object),
      );
      ruledOut += requests.length - open.length;
      // one object asking in two places (an annotation and
      // loadBalancerIP: BlauerFasan's unifi) is one request
      const byObject = new Map<string, { what: string; lines: string[] }>();
      for (const q of open) {
        const key = `${q.what}\0${q.location.file}`;
        const found = byObject.get(key) ?? { what: q.what, lines: [] };
        found.lines.push(
          found.lines.length
            ? `:${q.location.line}`
            : formatLocation(q.location),
        );
        byObject.set(key, found);
      }
      if (open.length)
        unknownRequests.push(
          r.forCluster(c).notEvaluated(
            'secretRequests',
            {
              count: distinct,
              requests: firstFew(
                [...byObject.values()].map(
                  o => `${o.what} (${o.lines.join(', ')})`,
                ),
              ),
              // as placeholders: the values a run may give, named in the end
              variables: [...new Set(open.flatMap(q => q.variables))]
                .map(v => `<secret:${v}>`)
                .join(', '),
              cluster: c.name,
              ip: ip.text,
              ask: byObject.size === 1 ? 'asks' : 'ask',
            },
            open[0].location,
          ),
        );
    }
    if (unknownRequests.length || takenElsewhere.length)
      return [...takenElsewhere, ...unknownRequests];
    // nothing set, nothing compared: not a pass
    if (!distinct) return [r.notEvaluated('none', {})];
    return [
      ruledOut
        ? r.pass('uniqueBesideSecrets', {
            count: distinct,
            secrets: ruledOut,
            are: ruledOut === 1 ? 'is' : 'are',
            they: ruledOut === 1 ? 'it' : 'they',
          })
        : r.pass('unique', { count: distinct }),
    ];
  },
});

/**
 * Another variable of a cluster's settings ConfigMap whose value is its LB
 * IP written out, used as `${NAME}` in the repository, but not in the
 * Cilium values, the DNSEndpoints or the pools (there it is the same
 * address said twice, or the start of a range): where it is.
 */
/** A setting named for the API server's address (`KUBE_API_ADDR`, `KUBE_VIP_ADDR`, `CONTROL_PLANE_IP`). */
const apiServerSetting =
  /(?:^|_)(?:KUBE_?API|K8S_?API|API_?SERVER|KUBE_?VIP|CLUSTER_?VIP|CONTROL_?PLANE)(?:_|$)/i;

/**
 * Whether a file of the repository other than the cluster's settings, its
 * Cilium values, records and pools writes the address out (a whole
 * address: 10.0.0.5 is not in 10.0.0.50).
 */
function writtenElsewhere(
  mesh: MeshModel,
  c: ClusterModel,
  ip: string,
): boolean {
  const own = new Set([
    c.settingsObject!.object.source.file,
    ...(c.cilium ? [c.cilium.file] : []),
    ...c.dnsEndpoints.map(e => e.object.source.file),
    ...c.pools.map(p => p.object.source.file),
  ]);
  return ['\n', '"', "'", ':', '/', ' ', ',', ']'].some(end =>
    mesh.repository.mentions(`${ip}${end}`, file => own.has(file)),
  );
}

function otherSettingWithAddress(
  mesh: MeshModel,
  c: ClusterModel,
): { variable: string; location: SourceLocation } | undefined {
  const ip = c.lbIpAddress?.text;
  const data = c.settingsObject?.object.body.data;
  if (!ip || !isRecord(data)) return undefined;
  const own = mesh.conventions.variables.lbIp;
  // asked for every member, whose settings hold a variable per peer: the
  // keys are read only where the address is written more than once
  const text = mesh.repository.readText(c.settingsObject!.object.source.file);
  if (text !== undefined && text.indexOf(ip) === text.lastIndexOf(ip))
    return undefined;
  for (const [key, value] of Object.entries(data)) {
    if (key === own || c.lbIp?.name === key) continue;
    if (typeof value !== 'string' || value.trim() !== ip) continue;
    const ownFiles = [
      ...(c.cilium ? [c.cilium.file] : []),
      ...c.dnsEndpoints.map(e => e.object.source.file),
      ...c.pools.map(p => p.object.source.file),
    ];
    // used nowhere, or in the Cilium values, a record or a pool (the
    // first address of its range): the same address said twice, no other;
    // but an API server's address by its name, which another file writes
    // out too (ZeroEcks' KUBE_API_ADDR and the control plane's endpoints)
    const used =
      mesh.repository.mentions(`{${key}`) ||
      mesh.repository.mentions(`$${key}`);
    if (!used && !(apiServerSetting.test(key) && writtenElsewhere(mesh, c, ip)))
      continue;
    if (used && ownFiles.some(f => mesh.repository.readText(f)?.includes(key)))
      continue;
    return {
      variable: key,
      location: locate(c.settingsObject!.object, ['data', key]),
    };
  }
  return undefined;
}
