import { describeObject } from '../core/manifest';
import {
  formatLocation,
  parseCidr,
  rangeContains,
  unknownVariables,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { ownTalosNets } from '../model/nodeAddresses';
import {
  failedBuildsNote,
  lineAt,
  metalLbPoolApplied,
  otherLoadBalancerNote,
  poolOfAddress,
  poolsOutsideFlux,
  unappliedPoolHolding,
} from '../model/queries';
import { locate } from '../yaml/locate';
import type { ClusterModel, MeshModel } from '../model/types';
import {
  conventionsPath,
  defineClusterRule,
  type RuleResults,
  q,
  unknownValueAdvice,
  unsetValue,
} from './rule';

/** The LB IP is inside an enabled pool of the cluster that admits the service. @public */
export const lbIpInPool = defineClusterRule({
  id: 'lb-ip-in-pool',
  title: 'LB IP inside a pool',
  severity: 'error',
  scope: 'cluster',
  description:
    "The LB IP is inside an enabled CiliumLoadBalancerIPPool of the cluster whose serviceSelector admits the clustermesh-apiserver service. Where Cilium is installed outside Flux (its values in a plain file, `cilium.valuesFile`) and Flux applies no pool, the pools installed with it are not seen: not evaluated. A warning when a bootstrap (a helmfile hook, a script) applies the pool with `kubectl apply` as written and its block holds a `${…}` Flux would substitute; and when the LB IP is in the cluster's Service CIDR as its talhelper configuration gives it (`clusterSvcNets`): the API server may give that address to a Service as its ClusterIP.",
  remediation: (c, failure) => {
    if (failure?.id === 'inServiceCidr')
      return "Give the LB IPAM pools addresses outside the cluster's Service CIDR (and the LB IP one of them), or move the Service CIDR (`clusterSvcNets`) off the pool's range before the cluster is built: a ClusterIP and the LB IP would be one address.";
    if (failure?.id === 'bootstrapVerbatim')
      return "Have the bootstrap apply the pool with the cluster's values (render it with them, `envsubst` or `flux envsubst`, before `kubectl apply`), or leave the pool to Flux (its LB IP is given out once Flux applies it).";
    if (!failure || failure.id === 'noPools')
      return `Add a CiliumLoadBalancerIPPool for the cluster (e.g. ${conventionsPath(
        c.pools.file,
        'pools.file',
        failure,
      )}) holding the LB IP, and list it in the cluster's kustomization.`;
    if (failure.id === 'outsideUnapplied' || failure.id === 'noPoolsUnapplied')
      return "Have a Flux Kustomization of the cluster apply the pool the message names (list its file where the cluster's other objects of its kind are listed), or pick an address from one of the cluster's own pools.";
    if (failure.id === 'notAdmitted')
      return "Pick an address from one of the cluster's pools whose serviceSelector admits the clustermesh-apiserver service, label the service as the pool selects (`clustermesh.apiserver.service.labels` in the Cilium values; never with a key the chart writes itself, k8s-app, app.kubernetes.io/name or app.kubernetes.io/part-of: the Service would have it twice, and the release fails), or widen the pool's serviceSelector.";
    return "Pick an address from one of the cluster's pools named above, or widen a pool (its blocks) or its serviceSelector.";
  },
  messages: {
    notAddress: 'LB IP {{ip}} is not a valid address',
    unknown:
      '{{what}} comes from {{variables}}, which is not known here (a Secret, or a source made outside the repository): {{advice}}',
    poolUnknown:
      "LB IP {{ip}} is in no pool whose blocks are known, and the blocks {{blocks}} come from values not known here: give them in the conventions' values to check",
    poolEncrypted:
      'LB IP {{ip}} is in no pool whose blocks are known; the blocks of {{pools}} are encrypted with SOPS (Flux decrypts them): whether the LB IP is in them is not checked here',
    notSet: '{{variable}} is not set',
    noPools:
      'LB IP {{ip}} cannot be allocated: no CiliumLoadBalancerIPPool is applied to the cluster{{otherLoadBalancer}}{{failedBuilds}}',
    noPoolsAny:
      'no CiliumLoadBalancerIPPool is applied to the cluster, so LB IPAM allocates it no LB IP, whichever it is ({{why}}){{otherLoadBalancer}}{{failedBuilds}}',
    noPoolsUnapplied:
      'LB IP {{ip}} cannot be allocated: no CiliumLoadBalancerIPPool is applied to the cluster; pool {{unapplied}} holds it, but Flux applies that file to no cluster',
    metalLb:
      "no CiliumLoadBalancerIPPool is applied to the cluster; it applies MetalLB's {{pool}}, and MetalLB gives its LoadBalancer addresses: whether LB IP {{ip}} is in MetalLB's pools is not checked here (MetalLB's pools are not read)",
    poolsOutside:
      'no CiliumLoadBalancerIPPool is among what Flux applies to the cluster, but {{why}}: whether one holds LB IP {{ip}} is not checked',
    disabled: 'LB IP {{ip}} is only in the disabled pool "{{pool}}"',
    outside: 'LB IP {{ip}} is outside every pool of the cluster: {{pools}}',
    outsideUnapplied:
      'LB IP {{ip}} is outside every pool of the cluster ({{pools}}); pool {{unapplied}} holds it, but Flux applies that file to no cluster',
    notAdmitted:
      'LB IP {{ip}} is in pool "{{pool}}", but its serviceSelector does not admit the {{service}} service (labels {{labels}})',
    reserved:
      'LB IP {{ip}} is the first or last address of block {{block}} of pool "{{pool}}", which reserves them (allowFirstLastIPs: "No"): LB IPAM never gives it out',
    inPool: 'LB IP {{ip}} is in pool "{{pool}}" block {{block}}',
    inServiceCidr:
      "LB IP {{ip}} is in the cluster's Service CIDR {{cidr}} (its talhelper configuration's clusterSvcNets): the API server may give it to a Service as its ClusterIP, and the two would answer at one address",
    bootstrapVerbatim:
      '{{bootstraps}} applies this pool as written to bootstrap a new cluster, where Flux does not substitute: `{{line}}` reaches the cluster as written, no address the pool can hold (the API server may refuse the pool, failing that step), until Flux applies it',
  },
  absence: ['noPools', 'noPoolsAny', 'noPoolsUnapplied'],
  fieldAbsence: ['notSet'],
  variables: ['notSet'],
  check(mesh, c, r) {
    /**
     * Where the LB IP is not read: no pool at all is applied (and nothing
     * not read may apply one), so LB IPAM allocates none, whichever it is
     * (iamryanmacdonald's oci); undefined otherwise.
     */
    const noPoolForAny = (why: string) => {
      if (
        c.pools.length > 0 ||
        poolsOutsideFlux(mesh, c) ||
        metalLbPoolApplied(c)
      )
        return undefined;
      return r.fail(
        'noPoolsAny',
        {
          why,
          otherLoadBalancer: otherLoadBalancerNote(c),
          failedBuilds: failedBuildsNote(c.render, 'a pool'),
        },
        c.lbIp?.location,
      );
    };
    const unknown = unknownVariables(c.lbIp?.value);
    if (c.lbIp && unknown.length)
      return [
        noPoolForAny(
          `its LB IP comes from ${unknown.join(', ')}, not known here`,
        ) ??
          r.notEvaluated(
            'unknown',
            {
              what: `The LB IP ${q(c.lbIp.value)}`,
              variables: unknown.join(', '),
              advice: unknownValueAdvice(mesh, unknown),
            },
            c.lbIp.location,
          ),
      ];
    if (!c.lbIpAddress) {
      const notSet = () => {
        const unset = unsetValue(mesh, c, 'lbIp');
        return (
          noPoolForAny(`${mesh.conventions.variables.lbIp} is not set`) ??
          r.notEvaluated('notSet', unset.data, unset.location)
        );
      };
      return [
        c.lbIp
          ? r.notEvaluated(
              'notAddress',
              { ip: q(c.lbIp.value) },
              c.lbIp.location,
            )
          : notSet(),
      ];
    }
    const ip = c.lbIpAddress.text;
    const found = poolOfAddress(mesh, c, c.lbIpAddress);
    const enabled = c.pools.filter(p => !p.disabled);
    // ciphertext has no variable to give: said apart from values not known
    const isSops = (b: { unknown?: readonly string[] }) =>
      b.unknown?.length === 1 && b.unknown[0] === 'SOPS';
    const unknownBlocks = enabled.flatMap(p =>
      p.blocks.filter(b => b.unknown?.length && !isSops(b)).map(b => b.text),
    );
    const encrypted = enabled.filter(p => p.blocks.some(isSops));
    const notFound = found.kind === 'outside' || found.kind === 'no-pools';
    if (unknownBlocks.length && notFound)
      return [
        r.notEvaluated(
          'poolUnknown',
          { ip, blocks: unknownBlocks.join(', ') },
          c.lbIp!.location,
        ),
      ];
    if (encrypted.length && notFound)
      return [
        r.notEvaluated(
          'poolEncrypted',
          { ip, pools: encrypted.map(p => p.name).join(', ') },
          c.lbIp!.location,
        ),
      ];
    switch (found.kind) {
      case 'no-pools': {
        const outside = poolsOutsideFlux(mesh, c);
        if (outside)
          return [
            r.notEvaluated(
              'poolsOutside',
              { ip, why: outside },
              c.lbIp!.location,
            ),
          ];
        // MetalLB gives the cluster's LoadBalancer addresses (the service
        // may ask it for one by its own annotation): its pools are not
        // read here, so whether it holds the address is not told
        const metalLb = metalLbPoolApplied(c, c.lbIpAddress);
        if (metalLb)
          return [
            r.notEvaluated(
              'metalLb',
              { ip, pool: describeObject(metalLb) },
              c.lbIp!.location,
            ),
          ];
        const otherLoadBalancer = otherLoadBalancerNote(c);
        // a pool held back by a failing build is fixed there, not added
        const failedBuilds = failedBuildsNote(c.render, 'a pool');
        // written for it, but applied to no cluster (its file commented
        // out of the kustomization: jahanson's l2.yaml), where nothing
        // else explains the absence
        const unapplied =
          !otherLoadBalancer && !failedBuilds
            ? unappliedPoolHolding(mesh, c, c.lbIpAddress)
            : undefined;
        if (unapplied)
          return [
            r.fail(
              'noPoolsUnapplied',
              {
                ip,
                unapplied: `${unapplied.name} (${formatLocation(
                  unapplied.location,
                )})`,
              },
              c.lbIp!.location,
            ),
          ];
        return [
          r.fail(
            'noPools',
            { ip, otherLoadBalancer, failedBuilds },
            c.lbIp!.location,
          ),
        ];
      }
      case 'disabled':
        return [
          r.fail(
            'disabled',
            { ip, pool: found.pool.name },
            found.pool.location,
          ),
        ];
      case 'outside': {
        // written for it, but applied to no cluster (a Kustomization names
        // another cluster's pool file)
        const unapplied = unappliedPoolHolding(mesh, c, c.lbIpAddress);
        return [
          r.fail(
            unapplied ? 'outsideUnapplied' : 'outside',
            {
              ip,
              unapplied: unapplied
                ? `${unapplied.name} (${formatLocation(unapplied.location)})`
                : '',
              // where the blocks are written (an overlay's patch of a
              // base's pool: TheoDurr's), else the pool
              pools: found.pools
                .map(
                  p =>
                    `${p.name} [${p.blocks
                      .map(b => b.text)
                      .join(', ')}] at ${formatLocation(
                      p.blocks[0]?.location ?? p.location,
                    )}`,
                )
                .join('; '),
            },
            c.lbIp!.location,
          ),
        ];
      }
      case 'not-admitted':
        return [
          r.fail(
            'notAdmitted',
            {
              ip,
              pool: found.pool.name,
              service: mesh.conventions.cilium.serviceName,
              labels: JSON.stringify(found.labels),
            },
            locate(found.pool.object, ['spec', 'serviceSelector']),
          ),
        ];
      case 'reserved':
        return [
          r.fail(
            'reserved',
            { ip, pool: found.pool.name, block: found.block.text },
            found.block.location,
          ),
        ];
      default: {
        // a bootstrap applies the pool as written, before Flux (a helmfile
        // hook's `kubectl apply`): a `${…}` block reaches that first apply
        const at = found.block.location;
        const bootstraps = mesh.repository.readByBootstrap.appliesAsWritten?.(
          at.file,
        );
        const line = bootstraps?.length
          ? lineAt(mesh.repository, at)
          : undefined;
        return [
          r.pass(
            'inPool',
            { ip, pool: found.pool.name, block: found.block.text },
            at,
          ),
          ...serviceCidrHolding(mesh, c, r, ip),
          ...(line?.includes('${')
            ? [
                r.warn(
                  'bootstrapVerbatim',
                  { bootstraps: bootstraps!.join(', '), line: line.trim() },
                  at,
                ),
              ]
            : []),
        ];
      }
    }
  },
});

/**
 * A warning where the LB IP is in the cluster's Service CIDR, as its
 * talhelper configuration gives it (samip5's nebula: a pool block inside
 * `clusterSvcNets`).
 */
function serviceCidrHolding(
  mesh: MeshModel,
  c: ClusterModel,
  r: RuleResults<'inServiceCidr'>,
  ip: string,
) {
  const address = c.lbIpAddress;
  const services = address
    ? ownTalosNets(mesh.repository.talosNetworks(), c)?.serviceCidrs
    : undefined;
  const cidr = services?.cidrs.find(text => {
    const range = parseCidr(text);
    return range !== undefined && rangeContains(range, address!);
  });
  return cidr
    ? [r.warn('inServiceCidr', { ip, cidr }, services!.location)]
    : [];
}
