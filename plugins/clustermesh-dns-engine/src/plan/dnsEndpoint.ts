import {
  formatLocation,
  isPrivateAddress,
  parseIpAddress,
  recordTypeFor,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { stringify } from 'yaml';
import { getPath } from '../core/paths';
import { inWords } from '../core/text';
import { fqdnTemplateFor } from '../conventions/templates';
import { referencedVariables } from '../flux/envsubst';
import type { RenderedKustomization } from '../flux/fluxKustomization';
import type { VariableValue } from '../flux/variables';
import {
  applierOfNewFile,
  crdPartsNote,
  dnsProviderOf,
  clustersRunningExternalDns,
  idleExternalDns,
  dnsEndpointCrdOf,
  externalDnsApplier,
  externalDnsDeploymentsOf,
  externalDnsPublishes,
  k8sGatewayServing,
  metadataFiltered,
  metadataPublishedBy,
  outsideDomains,
  sameDnsName,
  cloudflareProxiedEntries,
  cloudflareProxiedKey,
} from '../model/queries';
import type { ClusterModel } from '../model/types';
import { readEndpoints } from '../model/build';
import type { ExternalDnsDeployment } from '../conventions/detect/externalDns';
import {
  DnsEndpointPlacement,
  dnsEndpointPlacement,
  hasSecretPlaceholder,
  SubstitutionScope,
  ciliumInstallNoun,
} from '../model/writeTargets';
import { describeObject } from '../core/manifest';
import { locate } from '../yaml/locate';
import type { YamlTextEditor } from '../yaml/edit';
import { buildBreaking } from './verdict';
import { dirnamePath } from '../tree/RepoTree';
import {
  ChangeContext,
  otherClusterNamed,
  resolvedFqdn,
  scopeOf,
  sharedFqdnTemplate,
  substitutesAfter,
  variableIn,
} from './change';
import { includeInKustomization } from './kustomizationEntry';
import {
  recordsKustomizationFor,
  writeRecordsKustomization,
} from './recordsKustomization';
import { EditSet, PlanError } from './transaction';

/** A DNSEndpoint file and the clusters it is applied to. */
interface EndpointFile {
  file: string;
  /** Index of the DNSEndpoint's document; -1 for a new file. */
  doc: number;
  clusters: ClusterModel[];
  appliedBy: Map<string, RenderedKustomization>;
  /** The kustomization that must list a new file. */
  kustomization?: string;
}

/**
 * Plans the DNSEndpoint records: the one of each configured cluster (its
 * existing DNSEndpoint, or a new file where Flux applies it to each of them
 * with substitution) with dnsName, record type, TTL, target and "DNS only",
 * each value by its settings variable where that resolves; and takes the
 * removed clusters' own entries out.
 */
export function planDnsEndpoint(edits: EditSet, ctx: ChangeContext) {
  const { mesh } = ctx;
  const files = new Map<string, EndpointFile>();
  const without: ClusterModel[] = [];
  for (const name of ctx.configured.keys()) {
    const cluster = mesh.byName.get(name)!;
    const own =
      cluster.dnsEndpoints.find(e => e.ownedBy === 'name') ??
      cluster.dnsEndpoints[0];
    if (!own) {
      without.push(cluster);
      continue;
    }
    const { file, index } = own.object.source;
    const key = `${file}#${index}`;
    const entry: EndpointFile = files.get(key) ?? {
      file,
      doc: index,
      clusters: [],
      appliedBy: new Map(),
    };
    entry.clusters.push(cluster);
    entry.appliedBy.set(name, own.appliedBy);
    files.set(key, entry);
  }
  for (const { placement, clusters } of newEndpointFiles(ctx, without)) {
    const dir = dirnamePath(placement.file);
    const appliedBy = new Map<string, RenderedKustomization>();
    for (const c of clusters) {
      const k = applierOfNewFile(mesh, c, dir, placement.kustomization);
      if (k) appliedBy.set(c.name, k);
    }
    const of =
      clusters.length < without.length
        ? ` of ${clusters.map(c => c.name).join(', ')}`
        : '';
    // a bootstrap that installs ExternalDNS (its CRDs) before Flux runs
    const crdsAtBootstrap = externalDnsAtBootstrap(ctx, clusters);
    // else the record's own Kustomization, after ExternalDNS's
    const own = crdsAtBootstrap.length
      ? undefined
      : recordsKustomizationFor(ctx, edits, clusters, {
          file: placement.file,
          appliedBy,
        });
    if (own) {
      files.set(`${own.file}#new`, {
        file: own.file,
        doc: -1,
        clusters,
        appliedBy: own.appliedBy,
      });
      writeRecordsKustomization(edits, own);
      const cilium = clusters[0].cilium!.appliedBy!;
      ctx.notes.push(
        `The DNSEndpoint${of} goes in ${
          own.file
        }, applied by a new Flux Kustomization, ${
          own.name
        } (in ${own.declarations.map(d => d.file).join(', ')}), after ${inWords(
          own.after,
        )}, with the source and substitution of ${cilium.name}: in ${
          cilium.name
        } itself, a new cluster without the DNSEndpoint CRD yet would fail the whole apply, Cilium included${
          own.unwaited.length
            ? `; ${inWords(own.unwaited)} ${
                own.unwaited.length > 1 ? 'do' : 'does'
              } not wait for what ${
                own.unwaited.length > 1 ? 'they apply' : 'it applies'
              } (no spec.wait or healthChecks), so on a new cluster ${
                own.name
              } may run before the chart has installed the CRD: it fails, and Flux retries it until the CRD is there`
            : ''
        }.`,
      );
      continue;
    }
    files.set(`${placement.file}#new`, {
      file: placement.file,
      doc: -1,
      clusters,
      appliedBy,
      kustomization: placement.kustomization,
    });
    if (placement.file !== ctx.conventions.dnsEndpoint.file)
      ctx.notes.push(
        `The DNSEndpoint${of} goes in ${placement.file}, ${placement.why}.`,
      );
    const withCilium = [
      ...new Set(
        clusters
          .filter(
            c =>
              c.cilium?.appliedBy &&
              appliedBy.get(c.name)?.key === c.cilium.appliedBy.key,
          )
          .map(c => c.cilium!.appliedBy!.name),
      ),
    ];
    if (withCilium.length && crdsAtBootstrap.length)
      ctx.notes.push(
        `The DNSEndpoint${of} is applied with the Cilium ${ciliumInstallNoun(
          clusters,
        )} (by ${withCilium.join(', ')}); ${crdsAtBootstrap.join(', ')} ${
          crdsAtBootstrap.length > 1 ? 'install' : 'installs'
        } the external-dns chart when a cluster is bootstrapped, before Flux, so a new cluster has the DNSEndpoint CRD (if that chart's CRDs are among what it installs).`,
      );
    else if (withCilium.length) {
      // the same apply holds the ExternalDNS whose chart brings the CRD
      // (nadelab's root flux-system): on a new cluster it never succeeds
      const crdWithIt = clusters.flatMap(c =>
        externalDnsDeploymentsOf(c).filter(
          d =>
            d.sources.includes('crd') &&
            !d.noCrd &&
            externalDnsApplier(c, d)?.key === c.cilium?.appliedBy?.key,
        ),
      );
      ctx.notes.push(
        crdWithIt.length
          ? `The DNSEndpoint${of} is applied with the Cilium ${ciliumInstallNoun(
              clusters,
            )} (by ${withCilium.join(', ')}), which also applies ${[
              ...new Set(crdWithIt.map(d => d.description)),
            ].join(
              ', ',
            )}, whose chart brings the DNSEndpoint CRD: on a new cluster that apply fails on the kind before the CRD is installed, and never installs it, so nothing of it is applied, Cilium and ExternalDNS included; move the file to a Flux Kustomization of its own that depends on ExternalDNS's, or have the bootstrap install the CRD.`
          : `The DNSEndpoint${of} is applied with the Cilium ${ciliumInstallNoun(
              clusters,
            )} (by ${withCilium.join(
              ', ',
            )}): a new cluster, without the DNSEndpoint CRD yet, would fail that apply, Cilium included, until the CRD is installed; if your clusters get ExternalDNS after Cilium, move the file to a Kustomization that depends on ExternalDNS's.`,
      );
    }
  }
  // one note per cluster, each a sentence of its own
  ctx.notes.push(...privateRecordsInPublicZone(ctx, without));
  for (const endpointFile of files.values())
    planEndpointFile(edits, ctx, endpointFile);
  planRemovedRecords(edits, ctx);
}

/**
 * The kinds a k8s_gateway answers from, in words, and whether DNSEndpoints
 * are among them (undefined where not known): its values' watchedResources,
 * else its chart's default, Ingresses and Services from chart 3
 * (k8s-gateway's), every kind the plugin knows before (ori-edge's).
 */
function watchedKinds(gateway: { watched?: string[]; chartMajor?: number }): {
  text: string;
  dnsEndpoints?: boolean;
} {
  if (gateway.watched)
    return {
      text: `${gateway.watched.join(', ')} objects`,
      dnsEndpoints: gateway.watched.includes('DNSEndpoint'),
    };
  if (gateway.chartMajor !== undefined && gateway.chartMajor >= 3)
    return {
      text: "Ingresses and Services (the chart's default watchedResources from chart 3)",
      dnsEndpoints: false,
    };
  if (gateway.chartMajor !== undefined)
    return {
      text: "objects (every kind the plugin watches: the chart's default watchedResources before chart 3)",
    };
  return {
    text: "objects (of the kinds of the chart's default watchedResources)",
  };
}

/**
 * Said where a configured cluster runs a k8s_gateway that serves the
 * domain of a peer's FQDN (Catalog1110's, meroxdotdev's cluster template):
 * it answers that domain inside the network from its own cluster's
 * objects only, so where the network's resolver sends the domain to it
 * (split DNS, set up outside the repository), the peer's name is not
 * found there. Whether it is sent there is not known: a note, not a check.
 */
export function splitDnsNote(
  ctx: ChangeContext,
  clusters: readonly string[],
): string | undefined {
  const found: {
    cluster: string;
    peer: string;
    at: string;
    domain: string;
    kinds: { text: string; dnsEndpoints?: boolean };
  }[] = [];
  for (const name of clusters) {
    const cluster = ctx.mesh.byName.get(name);
    if (!cluster) continue;
    for (const peer of ctx.members) {
      if (peer === name || !ctx.knows(name, peer)) continue;
      const fqdn = resolvedFqdn(ctx, peer);
      const gateway = k8sGatewayServing(cluster, fqdn);
      if (!gateway) continue;
      found.push({
        cluster: name,
        peer: fqdn,
        at: `${describeObject(gateway.object)} (${formatLocation(
          locate(gateway.object),
        )})`,
        domain: gateway.domain,
        kinds: watchedKinds(gateway),
      });
      break;
    }
  }
  if (!found.length) return undefined;
  const [first] = found;
  return `${found.map(f => f.cluster).join(', ')}: ${first.at}${
    found.length > 1 ? ", and each other cluster's own," : ''
  } answers ${first.domain} inside the network from the ${
    first.kinds.text
  } of its own cluster, not from ${
    first.kinds.dnsEndpoints === false ? 'DNSEndpoints or ' : ''
  }another cluster's objects: where the network's resolver sends ${
    first.domain
  } to it (split DNS), a peer's FQDN (${
    first.peer
  }) is not found there and the agents resolving through it cannot reach that peer; keep the mesh FQDNs out of ${
    first.domain
  } (the FQDN template), or have the resolvers send them to the zone that holds the records.`;
}

/**
 * Said where a new record of a private address goes to Cloudflare (a
 * public zone) because only Cloudflare's ExternalDNS reads DNSEndpoints,
 * while another ExternalDNS of the cluster, of another provider, reads
 * none (bluevulpine's UniFi one, which keeps the private names it takes
 * from Services): the owner may want the name kept there.
 */
function privateRecordsInPublicZone(
  ctx: ChangeContext,
  clusters: readonly ClusterModel[],
): string[] {
  // one note per set of ExternalDNS deployments, naming every cluster it
  // concerns (a shared deployment is usually the same in each cluster)
  const groups = new Map<
    string,
    {
      addresses: { cluster: string; ip: string }[];
      readers: string;
      others: string;
      service: boolean;
      readerCount: number;
      otherCount: number;
    }
  >();
  for (const c of clusters) {
    const ip = parseIpAddress(ctx.configured.get(c.name)?.text ?? '');
    if (!ip || !isPrivateAddress(ip)) continue;
    const deployments = externalDnsDeploymentsOf(c);
    const readers = deployments.filter(d => d.sources.includes('crd'));
    if (!readers.length || readers.some(d => d.provider !== 'cloudflare'))
      continue;
    const others = deployments.filter(
      d =>
        !d.sources.includes('crd') &&
        d.provider !== undefined &&
        d.provider !== 'cloudflare',
    );
    if (!others.length) continue;
    const group = {
      readers: readers.map(d => d.description).join(', '),
      others: others
        .map(
          d =>
            // each source once (two controllers of one app-template
            // release: Roxedus' pihole)
            `${d.description} (provider ${d.provider}; sources ${
              [...new Set(d.sources)].join(', ') || 'the chart default'
            })`,
        )
        .join(', '),
      // its service source takes the name only where its domains do
      // (Roxedus' pihole publishes only kube.<domain>)
      service: others.some(
        d =>
          d.sources.includes('service') &&
          !outsideDomains(d, resolvedFqdn(ctx, c.name)),
      ),
      readerCount: readers.length,
      otherCount: others.length,
    };
    const key = `${group.readers}\n${group.others}\n${group.service}`;
    const found = groups.get(key) ?? { ...group, addresses: [] };
    found.addresses.push({ cluster: c.name, ip: ip.text });
    groups.set(key, found);
  }
  return [...groups.values()].map(
    ({ addresses, readers, others, service, readerCount, otherCount }) => {
      const one = addresses.length === 1;
      const names = addresses.map(a => a.cluster).join(', ');
      return `${addresses
        .map((a, i) => `${a.cluster}'s${i ? '' : ' LB IP'} ${a.ip}`)
        .join(', ')} ${
        one ? 'is a private address' : 'are private addresses'
      }, and ${
        one ? 'its record goes' : 'their records go'
      } to Cloudflare's zone: ${readers} ${
        readerCount > 1 ? 'are' : 'is'
      } the only ExternalDNS of ${
        one ? names : `each of ${names}`
      } reading DNSEndpoints, while ${others} ${
        otherCount > 1 ? 'read' : 'reads'
      } none: to keep the ${one ? 'name' : 'names'} on that DNS instead, give ${
        otherCount > 1 ? 'one of them' : 'it'
      } the crd source and keep ${readers} from taking the ${
        one ? 'record' : 'records'
      } (an annotation or label filter the record fails)${
        service
          ? ', or have it publish the name from the clustermesh-apiserver Service (its service source) by the hostname annotation in clustermesh.apiserver.service.annotations'
          : ''
      }.`;
    },
  );
}

/**
 * The bootstrap helmfiles that install the external-dns chart (its CRDs)
 * for every one of the clusters before Flux runs: each of those whose
 * folder installs the cluster's Cilium values, or, where a bootstrap
 * installs no cluster's Cilium values, every cluster's (whose it is is
 * not known). Another cluster's bootstrap gives none (LeoEliot's
 * `kubernetes/<cluster>/bootstrap`).
 */
function externalDnsAtBootstrap(
  ctx: ChangeContext,
  clusters: readonly ClusterModel[],
): string[] {
  const installers = ctx.readByBootstrap.installs?.('external-dns') ?? [];
  if (!installers.length) return [];
  // the release's file, or the values file it takes (a generated ConfigMap's)
  const bootstraps = (helmfile: string, c: ClusterModel) =>
    !!c.cilium &&
    [c.cilium.file, c.cilium.locate([]).file].some(
      file => ctx.readByBootstrap.bootstraps?.(helmfile, file) === true,
    );
  return installers.filter(
    h =>
      clusters.every(c => bootstraps(h, c)) ||
      !ctx.mesh.clusters.some(c => bootstraps(h, c)),
  );
}

/**
 * Where the clusters without a DNSEndpoint get one: a file every one of
 * them applies with substitution, else one per folder of their Cilium
 * HelmReleases (a repository that keeps Cilium in a folder per cluster).
 */
function newEndpointFiles(
  ctx: ChangeContext,
  without: readonly ClusterModel[],
): { placement: DnsEndpointPlacement; clusters: ClusterModel[] }[] {
  if (!without.length) return [];
  requireExternalDns(ctx, without);
  const substitutes = substitutesAfter(ctx);
  const shared = dnsEndpointPlacement(ctx.mesh, without, substitutes);
  if (!('problem' in shared))
    return [{ placement: shared, clusters: [...without] }];
  const groupBy = (key: (c: ClusterModel) => string | undefined) => {
    const byKey = new Map<string, ClusterModel[]>();
    for (const c of without) {
      const k = key(c) ?? `#${c.name}`;
      byKey.set(k, [...(byKey.get(k) ?? []), c]);
    }
    return [...byKey.values()];
  };
  // by the folder of each Cilium HelmRelease; where they share one (a
  // base), by the folder each cluster's Kustomization builds it from (its
  // overlay)
  let groups = groupBy(c => {
    const hr = c.cilium?.object?.source.file;
    return hr && dirnamePath(hr);
  });
  if (groups.length < 2) groups = groupBy(c => c.cilium?.appliedBy?.path);
  if (groups.length < 2 && !writtenOut(ctx, groups[0]))
    throw new PlanError(shared.file, shared.problem);
  return groups.map(clusters => {
    let placement = dnsEndpointPlacement(ctx.mesh, clusters, substitutes);
    // a folder of the one cluster alone holds its record written out:
    // ExternalDNS reads a DNSEndpoint as it is stored
    if ('problem' in placement && writtenOut(ctx, clusters)) {
      const own = (k: RenderedKustomization) =>
        !ctx.mesh.clusters.some(
          o =>
            o !== clusters[0] &&
            o.render.kustomizations.some(other => other.path === k.path),
        );
      const literal = dnsEndpointPlacement(
        ctx.mesh,
        clusters,
        k => substitutes(k) || own(k),
        'alone, so the record is written out (ExternalDNS reads it as stored)',
      );
      if (!('problem' in literal)) placement = literal;
    }
    if ('problem' in placement)
      throw new PlanError(placement.file, placement.problem);
    return { placement, clusters };
  });
}

/** Whether a group is one cluster whose record can be written out: its FQDN resolved here, its address given. */
function writtenOut(
  ctx: ChangeContext,
  clusters: readonly ClusterModel[] | undefined,
): boolean {
  if (clusters?.length !== 1) return false;
  const form = ctx.forms.get(clusters[0].name);
  return (
    (form?.kind === 'literal' || form?.kind === 'settings-resolved') &&
    !hasSecretPlaceholder(resolvedFqdn(ctx, clusters[0].name))
  );
}

/**
 * A new DNSEndpoint needs ExternalDNS in its cluster: without it the kind is
 * not known there and Flux fails the Kustomization that applies it. Known
 * only when the repository deploys ExternalDNS at all (else it may be
 * installed another way).
 */
function requireExternalDns(
  ctx: ChangeContext,
  clusters: readonly ClusterModel[],
) {
  const running = clustersRunningExternalDns(ctx.mesh);
  // written in the repository but applied to no cluster: switched off
  const idle = idleExternalDns(ctx.mesh);
  // the CRD applied on its own (a shared crds folder): the kind is known,
  // but nothing publishes the record
  const withCrd = clusters.filter(c => dnsEndpointCrdOf(c) !== undefined);
  if (idle)
    throw new PlanError(
      'mode',
      `no cluster runs ExternalDNS: the repository has it (${
        idle.description
      }, ${idle.location.file}:${
        idle.location.line
      }) but applies it to none, so ${
        withCrd.length === clusters.length
          ? `nothing publishes the new DNSEndpoint of ${clusters
              .map(c => c.name)
              .join(', ')} (its CRD is applied, the record is not written)`
          : `the kind DNSEndpoint is not known to ${clusters
              .filter(c => !withCrd.includes(c))
              .map(c => c.name)
              .join(
                ', ',
              )}, and Flux would fail the Kustomization that applies the new DNSEndpoint, and whatever else it applies with it`
      }; configure with --mode manual (a records document), or apply ExternalDNS (with the crd source) first`,
    );
  if (!running.length) {
    ctx.notes.push(
      `No ExternalDNS is deployed by this repository: the DNSEndpoint of ${clusters
        .map(c => c.name)
        .join(
          ', ',
        )} needs ExternalDNS with the crd source (and its DNSEndpoint CRD) installed in the cluster another way, or Flux fails the Kustomization that applies it; configure with --mode manual for a records document instead.`,
    );
    return;
  }
  const lacking = clusters
    .filter(c => !running.includes(c.name))
    .map(c => c.name);
  // ExternalDNS runs, but what deploys it brings no DNSEndpoint CRD
  const noCrd = clusters.filter(
    c =>
      running.includes(c.name) &&
      !dnsEndpointCrdOf(c) &&
      externalDnsDeploymentsOf(c).every(d => d.noCrd),
  );
  if (noCrd.length)
    ctx.notes.push(
      `No DNSEndpoint CRD is applied to ${noCrd
        .map(c => c.name)
        .join(', ')}: ${[
        ...new Set(
          noCrd.flatMap(c =>
            externalDnsDeploymentsOf(c).map(
              d => `${d.description}: ${d.noCrd}`,
            ),
          ),
        ),
      ].join('; ')}${
        // what is not read may install it (another GitRepository's CRDs)
        crdPartsNote(noCrd[0])
      }. Install it (the external-dns chart 1.14.4 and later ships it, or apply dnsendpoints.externaldns.k8s.io), or Flux fails the Kustomization that applies the new DNSEndpoint; configure with --mode manual for a records document instead.`,
    );
  if (!lacking.length) return;
  const index = ctx.input.clusters.findIndex(c => c.name === lacking[0]);
  const who = lacking.join(', ');
  // a build kustomize fails is not read: the ExternalDNS may be in it
  // (no1here0003's copy, a key written twice in its HelmRelease)
  const unread = clusters
    .filter(c => lacking.includes(c.name))
    .flatMap(c => c.render.findings)
    .filter(
      f => f.severity === 'error' && buildBreaking.has(f.code) && f.location,
    );
  if (unread.length)
    throw new PlanError(
      lacking.length === 1 && index >= 0
        ? `clusters[${index}].name`
        : 'clusters',
      `no ExternalDNS of ${who} could be read (the repository deploys it to ${running.join(
        ', ',
      )}), and what a build kustomize fails holds is not read: ${[
        ...new Set(
          unread.map(f => `${formatLocation(f.location!)} ${f.message}`),
        ),
      ].join(
        '; ',
      )}; fix that, then run again (where ${who} runs no ExternalDNS, deploy it with the crd source, or configure with --mode manual)`,
    );
  throw new PlanError(
    // one cluster: its input; several: the list
    lacking.length === 1 && index >= 0 ? `clusters[${index}].name` : 'clusters',
    `${who} ${
      lacking.length === 1 ? 'runs' : 'run'
    } no ExternalDNS (the repository deploys it to ${running.join(
      ', ',
    )}): a DNSEndpoint there is a kind the cluster does not know, and Flux would fail the Kustomization that applies it; deploy ExternalDNS (with the crd source) to ${who}, or configure with --mode manual (a records document)`,
  );
}

/** Whether a cluster's record goes to Cloudflare: the ExternalDNS that takes its FQDN publishes there. */
const publishesToCloudflare = (ctx: ChangeContext, c: ClusterModel) =>
  dnsProviderOf(ctx.mesh, c, resolvedFqdn(ctx, c.name)) === 'cloudflare';

/** The record a file gets for its clusters, each value as the file can say it. */
function endpointOf(
  ctx: ChangeContext,
  f: EndpointFile,
): Record<string, unknown> {
  const { variables, dns } = ctx.conventions;
  const scopes: { cluster: string; scope: SubstitutionScope }[] = [];
  for (const c of f.clusters) {
    const k = f.appliedBy.get(c.name);
    if (k) scopes.push({ cluster: c.name, scope: scopeOf(ctx, c.name, k) });
  }
  const scopeList =
    scopes.length === f.clusters.length ? scopes.map(s => s.scope) : [];
  const single = f.clusters.length === 1 ? f.clusters[0].name : undefined;
  const inSettings = f.clusters.every(
    c => ctx.forms.get(c.name)?.kind !== 'files-template',
  );
  const what = single ? `the record of ${single}` : 'the shared record';
  const shared = single ? undefined : sharedFqdnTemplate(ctx, scopes);
  const dnsName =
    (inSettings && variableIn(scopeList, variables.fqdn)) ||
    (single && writtenOutName(ctx, single, scopeList)) ||
    (shared && 'template' in shared ? shared.template : undefined);
  if (!dnsName) {
    // the settings cannot hold the name: the record needs the template
    const verbatim = f.clusters
      .map(c => ctx.forms.get(c.name))
      .find(form => form?.kind === 'files-template');
    throw new PlanError(
      f.file,
      `cannot hold ${what}: ${
        verbatim
          ? `${variables.fqdn} is not written in the settings (${verbatim.why})`
          : `Flux does not substitute ${variables.fqdn} in it for ${f.clusters
              .map(c => c.name)
              .join(', ')}`
      }${shared && 'why' in shared ? `, and ${shared.why}` : ''}`,
      verbatim
        ? `Give each cluster's settings a variable holding its name (the record then holds the FQDN template), give the FQDN with its domain written out (--fqdn-template) if the domain is not secret, or configure with --mode manual (a records document).`
        : `Have the Kustomization that applies ${f.file} substitute from the settings (postBuild.substituteFrom), or configure with --mode manual (a records document).`,
    );
  }
  const target =
    variableIn(scopeList, variables.lbIp) ||
    (single
      ? ctx.configured.get(single)!.text
      : (() => {
          throw new PlanError(
            f.file,
            `cannot hold ${what}: Flux does not substitute ${variables.lbIp} in it for every cluster`,
          );
        })());
  const types = new Set(
    f.clusters.map(c => recordTypeFor(ctx.configured.get(c.name)!.family)),
  );
  if (types.size > 1)
    throw new PlanError(
      f.file,
      'is shared by clusters with IPv4 and IPv6 addresses; one entry cannot carry both record types',
    );
  const endpoint: Record<string, unknown> = {
    dnsName,
    recordType: [...types][0],
    recordTTL: dns.ttl,
    targets: [target],
  };
  // Cloudflare's "DNS only" key, where a cluster of the entry publishes there
  if (f.clusters.some(c => publishesToCloudflare(ctx, c)))
    endpoint.providerSpecific = [
      {
        name: cloudflareProxiedKey(dns.externalDnsAnnotationPrefix),
        value: 'false',
      },
    ];
  return endpoint;
}

/**
 * Whether two Kustomizations see a variable with the same value: from the
 * same source, or from the same line of one file (a component's Secret
 * copied into each namespace).
 */
const sameDefinition = (
  a: VariableValue | undefined,
  b: VariableValue | undefined,
) =>
  !!a &&
  !!b &&
  a.value === b.value &&
  (a.origin === b.origin ||
    (!!a.location &&
      a.location.file === b.location?.file &&
      a.location.line === b.location.line));

/**
 * The annotations and labels a new DNSEndpoint needs for an ExternalDNS of
 * each of its clusters to take it, when the ones that read DNSEndpoints
 * filter on them (`--annotation-filter`, `--label-filter`), and why.
 */
function filteredMetadata(
  ctx: ChangeContext,
  f: EndpointFile,
  /** The record's target as the file writes it. */
  target: string,
): {
  annotations: Record<string, string>;
  labels: Record<string, string>;
  why: string[];
} {
  let metadata = {
    annotations: {} as Record<string, string>,
    labels: {} as Record<string, string>,
  };
  const why: string[] = [];
  for (const c of f.clusters) {
    const name = resolvedFqdn(ctx, c.name);
    const readers = externalDnsDeploymentsOf(c).filter(d =>
      d.sources.includes('crd'),
    );
    const body = { metadata };
    // taken already by one whose filters admit it (its domains may be
    // not known here: the metadata is what this change can make right)
    const publishedAlready = readers.some(
      d =>
        externalDnsPublishes(d, { body }, name).verdict !== 'no' &&
        metadataFiltered(d, { body }) === undefined,
    );
    if (!readers.length || publishedAlready) continue;
    const k = f.appliedBy.get(c.name);
    const scope = k && scopeOf(ctx, c.name, k);
    const { ranked, alike } = byRecordsOfAlikeAddresses(ctx, c, readers);
    for (const d of ranked) {
      const applier = externalDnsApplier(c, d);
      // a filter's value as written (`external.${SECRET_DOMAIN}`) where the
      // file is substituted with the same variables as the deployment: a
      // secret's value is never written out
      const formOf = (text: string) => {
        const used = referencedVariables(text);
        if (
          k &&
          scope &&
          applier &&
          used.every(
            v =>
              scope.resolves(v) &&
              sameDefinition(k.variables.get(v), applier.variables.get(v)),
          )
        )
          return 'written' as const;
        return used.some(v => applier?.variables.get(v)?.secret !== false)
          ? undefined
          : ('rendered' as const);
      };
      const next = metadataPublishedBy(d, metadata, name, target, formOf);
      if (!next) continue;
      metadata = next;
      // as written in YAML: `annotation k: v`, `labels k: v, k2: v2`
      const said = (what: string, marks: Record<string, string>) => {
        const pairs = Object.entries(marks);
        return pairs.length
          ? [
              `${what}${pairs.length > 1 ? 's' : ''} ${pairs
                .map(([key, value]) => `${key}: ${value}`)
                .join(', ')}`,
            ]
          : [];
      };
      why.push(
        `${[
          ...said('annotation', next.annotations),
          ...said('label', next.labels),
        ].join('; ')}, so that ${
          d.description
        } takes it (its --annotation-filter / --label-filter)${
          alike.get(d) ? `, as it takes ${alike.get(d)}` : ''
        }`,
      );
      break;
    }
  }
  return { ...metadata, why };
}

/**
 * The ExternalDNS deployments that read DNSEndpoints, those taking more of
 * the cluster's DNSEndpoints whose targets are addresses of the kind of
 * the record's (private or public) first: an owner publishing private
 * addresses to one provider (an RFC 2136 server) and public ones to
 * another (Cloudflare) shows which takes the LB IP's record. With what
 * each takes, for the reason.
 */
function byRecordsOfAlikeAddresses(
  ctx: ChangeContext,
  cluster: ClusterModel,
  readers: readonly ExternalDnsDeployment[],
): {
  ranked: ExternalDnsDeployment[];
  alike: Map<ExternalDnsDeployment, string>;
} {
  const alike = new Map<ExternalDnsDeployment, string>();
  const ip = parseIpAddress(
    ctx.configured.get(cluster.name)?.text ?? cluster.lbIp?.value ?? '',
  );
  if (!ip || readers.length < 2) return { ranked: [...readers], alike };
  const wanted = isPrivateAddress(ip);
  const kind = wanted ? 'private' : 'public';
  const records = cluster.render.objects.filter(({ object }) => {
    if (object.kind !== 'DNSEndpoint') return false;
    const targets = readEndpoints(object).flatMap(r =>
      Array.isArray(r.targets) ? r.targets : [],
    );
    return targets.some(t => {
      const address = parseIpAddress(String(t));
      return address !== undefined && isPrivateAddress(address) === wanted;
    });
  });
  const counts = new Map(
    readers.map(d => {
      const taken = records.filter(
        ({ object }) => metadataFiltered(d, object) === undefined,
      );
      if (taken.length)
        alike.set(
          d,
          `${taken.length} DNSEndpoint${
            taken.length > 1 ? 's' : ''
          } of ${kind} addresses here (${taken[0].object.source.file}${
            taken.length > 1 ? ', …' : ''
          }), as the LB IP is`,
        );
      return [d, taken.length] as const;
    }),
  );
  // where every reader takes them alike, nothing is learnt
  if (new Set(counts.values()).size < 2) {
    alike.clear();
    return { ranked: [...readers], alike };
  }
  return {
    ranked: [...readers].sort((a, b) => counts.get(b)! - counts.get(a)!),
    alike,
  };
}

/** A cluster's FQDN written out in its own file: the name, or the template where it resolves. */
function writtenOutName(
  ctx: ChangeContext,
  cluster: string,
  scopes: SubstitutionScope[],
): string | undefined {
  const form = ctx.forms.get(cluster)!;
  const resolved = resolvedFqdn(ctx, cluster);
  if (
    (form.kind === 'literal' || form.kind === 'settings-resolved') &&
    !hasSecretPlaceholder(resolved)
  )
    return resolved;
  const template = fqdnTemplateFor(ctx.conventions, cluster);
  return scopes.length &&
    referencedVariables(template).every(v => scopes.every(s => s.resolves(v)))
    ? template
    : undefined;
}

/**
 * The namespace the Kustomizations applying a new file put it in, when
 * they all set one (`targetNamespace`): written so, the file says where
 * the record is.
 */
function namespaceOf(f: EndpointFile): string | undefined {
  const targets = new Set(
    [...f.appliedBy.values()].map(k =>
      getPath(k.object?.body, ['spec', 'targetNamespace']),
    ),
  );
  const [target] = targets;
  return targets.size === 1 &&
    typeof target === 'string' &&
    /^[a-z0-9-]+$/.test(target)
    ? target
    : undefined;
}

/**
 * The editor schema comment a new DNSEndpoint file opens with, as the
 * repository's manifests have one (`# yaml-language-server: $schema=…`):
 * that of its other DNSEndpoints, else one of the same schema site for
 * the DNSEndpoint kind; none where its manifests have none.
 */
function dnsEndpointSchemaLine(
  edits: Pick<EditSet, 'repositoryPaths' | 'before'>,
): string | undefined {
  const schemaLine = /^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$/m;
  const sites = new Map<string, number>();
  for (const path of edits.repositoryPaths()) {
    if (!/\.ya?ml$/.test(path)) continue;
    const text = edits.before(path);
    if (!text?.includes('yaml-language-server')) continue;
    for (const doc of text.split(/^---[ \t]*$/m)) {
      const line = schemaLine.exec(doc);
      if (!line) continue;
      if (/^kind:\s*DNSEndpoint\s*$/m.test(doc)) return line[0].trim();
      // a site of CRD schemas by group and kind (`…/<group>/<kind>_<version>.json`)
      const site =
        /^(https?:\/\/.+?)\/[a-z0-9-]+(?:\.[a-z0-9-]+)+\/[a-z0-9]+_v[0-9a-z]+\.json$/.exec(
          line[1],
        )?.[1];
      if (site) sites.set(site, (sites.get(site) ?? 0) + 1);
    }
  }
  const [site] = [...sites].sort((a, b) => b[1] - a[1])[0] ?? [];
  return site
    ? `# yaml-language-server: $schema=${site}/externaldns.k8s.io/dnsendpoint_v1alpha1.json`
    : undefined;
}

function planEndpointFile(edits: EditSet, ctx: ChangeContext, f: EndpointFile) {
  const { dnsEndpoint } = ctx.conventions;
  const endpoint = endpointOf(ctx, f);
  const names = f.clusters.map(c => c.name).join(', ');
  if (f.doc < 0 && !edits.exists(f.file)) {
    const filtered = filteredMetadata(
      ctx,
      f,
      (endpoint.targets as string[])[0],
    );
    const schema = dnsEndpointSchemaLine(edits);
    edits.created.set(
      f.file,
      `---\n${schema ? `${schema}\n` : ''}${stringify(
        {
          apiVersion: 'externaldns.k8s.io/v1alpha1',
          kind: 'DNSEndpoint',
          metadata: {
            name: dnsEndpoint.name,
            namespace: namespaceOf(f) ?? dnsEndpoint.namespace,
            ...(Object.keys(filtered.annotations).length
              ? { annotations: filtered.annotations }
              : {}),
            ...(Object.keys(filtered.labels).length
              ? { labels: filtered.labels }
              : {}),
          },
          spec: { endpoints: [endpoint] },
        },
        { lineWidth: 0 },
      )}`,
    );
    for (const why of filtered.why) edits.reason(f.file, why);
    edits.reason(
      f.file,
      `DNSEndpoint: ExternalDNS publishes ${endpoint.dnsName} → ${
        (endpoint.targets as string[])[0]
      } for ${names}${
        f.clusters.some(c => publishesToCloudflare(ctx, c))
          ? ' (Cloudflare "DNS only")'
          : ''
      }`,
    );
    includeInKustomization(edits, f.file, f.kustomization);
    return;
  }
  const editor = edits.editor(f.file, 'the DNSEndpoint');
  const doc = f.doc >= 0 ? f.doc : editor.findDocument('DNSEndpoint');
  if (doc < 0) throw new PlanError(f.file, 'has no DNSEndpoint');
  const endpoints = (editor.get(doc, ['spec', 'endpoints']) ?? []) as any[];
  let index = endpoints.findIndex(e => e?.dnsName === endpoint.dnsName);
  if (index < 0) {
    // a record written another way that already renders to the name (a
    // shared `clustermesh-${CLUSTER_NAME}.${SECRET_DOMAIN}` when one cluster
    // is configured) is the cluster's record: it is kept, not doubled
    index = renderingRecord(ctx, f, doc);
    if (index >= 0) endpoint.dnsName = endpoints[index].dnsName;
  }
  if (index < 0 && f.clusters.length === 1) {
    // in one cluster's own DNSEndpoint, an entry of another cluster's name
    // is one kept from the folder it was copied from (cubic3d's lab, from
    // edge): renamed, not published beside the cluster's own
    const own = f.clusters[0].name;
    const otherOf = (e: any) =>
      typeof e?.dnsName === 'string'
        ? otherClusterNamed(ctx, own, e.dnsName)
        : undefined;
    index = endpoints.findIndex(e => otherOf(e) !== undefined);
    if (index >= 0) {
      editor.setScalar(
        doc,
        ['spec', 'endpoints', index, 'dnsName'],
        endpoint.dnsName as string,
      );
      edits.reason(
        f.file,
        `endpoint ${endpoint.dnsName} in place of ${
          endpoints[index].dnsName
        }, ${otherOf(
          endpoints[index],
        )}'s name (kept from the folder this one was copied from?)`,
      );
    }
  }
  if (index < 0) {
    editor.appendItem(doc, ['spec', 'endpoints'], endpoint);
    edits.reason(
      f.file,
      `endpoint ${endpoint.dnsName} → ${
        (endpoint.targets as string[])[0]
      } added`,
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
        edits.reason(f.file, `${key} ${endpoint[key]}`);
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
          f.file,
          `endpoint ${endpoint.dnsName} should have the single target ${targets[0]}; fix its targets by hand`,
        );
      edits.reason(f.file, `target ${targets[0]}`);
    }
    if (endpoint.providerSpecific)
      proxiedKeyRead(
        editor,
        doc,
        index,
        e,
        ctx.conventions.dns.externalDnsAnnotationPrefix,
        f.file,
        edits,
      );
  }
  if (f.kustomization) includeInKustomization(edits, f.file, f.kustomization);
}

/**
 * An existing entry's Cloudflare "DNS only" key under another prefix than
 * the one the repository's ExternalDNS reads (its version's, or its
 * --annotation-prefix: mrwulf's), or not "false": renamed or set in place,
 * as the entry would be written now. A missing key is left missing: where
 * ExternalDNS does not proxy by default, none is needed.
 */
function proxiedKeyRead(
  editor: YamlTextEditor,
  doc: number,
  index: number,
  existing: { providerSpecific?: unknown },
  prefix: string,
  file: string,
  edits: EditSet,
) {
  const name = cloudflareProxiedKey(prefix);
  const { read, ignored } = cloudflareProxiedEntries(
    existing.providerSpecific,
    prefix,
  );
  const found = read ?? ignored;
  if (!found) return;
  const path = ['spec', 'endpoints', index, 'providerSpecific', found.index];
  if (!read) {
    editor.setScalar(doc, [...path, 'name'], name);
    edits.reason(
      file,
      `providerSpecific ${name} in place of ${found.name}, which the ExternalDNS publishing it does not read (the record would be proxied)`,
    );
  }
  if (String(found.value) !== 'false') {
    editor.setScalar(doc, [...path, 'value'], 'false');
    edits.reason(file, `${name} "false" (Cloudflare "DNS only")`);
  }
}

/**
 * The entry of a file's DNSEndpoint whose dnsName, as Flux renders it for
 * each of the file's clusters, is already that cluster's FQDN after the
 * change; -1 when there is none.
 */
function renderingRecord(
  ctx: ChangeContext,
  f: EndpointFile,
  doc: number,
): number {
  let common: Set<number> | undefined;
  for (const c of f.clusters) {
    const name = resolvedFqdn(ctx, c.name);
    const indexes = new Set(
      c.dnsEndpoints
        .filter(
          e => e.object.source.file === f.file && e.object.source.index === doc,
        )
        .flatMap(e => e.records)
        .filter(r => sameDnsName(r.dnsName, name))
        .map(r => r.index),
    );
    common = common
      ? new Set([...common].filter(i => indexes.has(i)))
      : indexes;
  }
  return common?.size ? Math.min(...common) : -1;
}

/**
 * A removed cluster's own records: the entries that render to its FQDN (or
 * of the DNSEndpoint its conventions name) in DNSEndpoints no other cluster
 * applies (a file of its folder, written with its settings' variables), by
 * `file#doc`; `whole` when they are every entry of the object.
 */
export function ownRecords(
  ctx: Pick<ChangeContext, 'mesh'>,
  name: string,
): Map<string, { file: string; doc: number; at: number[]; whole: boolean }> {
  const cluster = ctx.mesh.byName.get(name);
  const elsewhere = new Set(
    ctx.mesh.clusters
      .filter(c => c.name !== name)
      .flatMap(c =>
        c.dnsEndpoints.map(
          e => `${e.object.source.file}#${e.object.source.index}`,
        ),
      ),
  );
  const own = new Map<
    string,
    { file: string; doc: number; at: number[]; whole: boolean }
  >();
  for (const e of cluster?.dnsEndpoints ?? []) {
    const { file, index } = e.object.source;
    const key = `${file}#${index}`;
    if (index < 0 || elsewhere.has(key)) continue;
    const at = e.records
      .filter(
        r =>
          e.ownedBy === 'name' ||
          (cluster?.fqdn !== undefined &&
            sameDnsName(r.dnsName, cluster.fqdn.value)),
      )
      .map(r => r.index);
    if (at.length)
      own.set(key, {
        file,
        doc: index,
        at,
        whole: at.length === e.records.length,
      });
  }
  return own;
}

/** The removed clusters' records: their own, and entries that name them written out. */
function planRemovedRecords(edits: EditSet, ctx: ChangeContext) {
  for (const name of ctx.removed) {
    const cluster = ctx.mesh.byName.get(name);
    const wanted = new Set([fqdnTemplateFor(ctx.conventions, name)]);
    if (cluster?.fqdn) {
      wanted.add(cluster.fqdn.value);
      // as its settings write it; a name read from the files may be written
      // as a template every cluster shares (`${CLUSTER_NAME}`): not its own;
      // nor settings other clusters share, passing each one's through
      // (`${CILIUM_CLUSTERMESH_FQDN}` in judahrand's shared ConfigMap)
      const settings = cluster.settingsObject?.object.source;
      const shared =
        settings !== undefined &&
        ctx.mesh.clusters.some(
          c =>
            c !== cluster &&
            !ctx.removed.has(c.name) &&
            c.settingsObject?.object.source.file === settings.file &&
            c.settingsObject.object.source.index === settings.index,
        );
      if (cluster.fqdn.source === 'settings' && !shared)
        wanted.add(cluster.fqdn.raw);
    }
    const own = ownRecords(ctx, name);
    // its record from a DNSEndpoint other clusters apply too (a base every
    // overlay builds), written as a template they share: not edited (an
    // entry naming it literally is, below), so ExternalDNS keeps publishing it
    for (const e of cluster?.dnsEndpoints ?? []) {
      const { file, index, root } = e.object.source;
      if (own.has(`${file}#${index}`) || index < 0 || !cluster?.fqdn) continue;
      const raw = (root as any)?.spec?.endpoints;
      const published =
        e.records.some(
          r =>
            sameDnsName(r.dnsName, cluster.fqdn!.value) &&
            !wanted.has(Array.isArray(raw) ? raw[r.index]?.dnsName : undefined),
        ) &&
        externalDnsDeploymentsOf(cluster).some(d => d.sources.includes('crd'));
      const others = ctx.mesh.clusters
        .filter(
          c =>
            c !== cluster &&
            c.dnsEndpoints.some(
              d =>
                d.object.source.file === file &&
                d.object.source.index === index,
            ),
        )
        .map(c => c.name);
      if (published && others.length)
        ctx.notes.push(
          `${name}: its record ${
            cluster.fqdn.value
          } stays published: ${describeObject(
            e.object,
          )} (${file}) is applied to ${others.join(
            ', ',
          )} too, and is not edited; leave that file out of what ${name} applies (a patch with \`$patch: delete\` in its overlay, or a folder of its own) to stop ExternalDNS publishing it.`,
        );
    }
    let removedAny = own.size > 0;
    for (const { file, doc, at } of own.values()) {
      const editor = edits.editor(file, 'the DNSEndpoint');
      // from the last, so the indexes before stay right
      for (const i of [...at].sort((a, b) => b - a))
        editor.deleteItem(doc, ['spec', 'endpoints', i]);
      edits.reason(file, `the record of ${name} removed`);
    }
    // every DNSEndpoint of any cluster that names the removed one literally
    const seen = new Set<string>([...own.keys()]);
    for (const c of ctx.mesh.clusters) {
      for (const e of c.dnsEndpoints) {
        const { file, index, root } = e.object.source;
        const key = `${file}#${index}`;
        if (seen.has(key) || index < 0) continue;
        seen.add(key);
        const raw = (root as any)?.spec?.endpoints;
        if (!Array.isArray(raw)) continue;
        // from the last, so the indexes before stay right
        for (const [i, entry] of [...raw.entries()].reverse()) {
          if (typeof entry?.dnsName !== 'string' || !wanted.has(entry.dnsName))
            continue;
          edits
            .editor(file, 'the DNSEndpoint')
            .deleteItem(index, ['spec', 'endpoints', i]);
          edits.reason(file, `the record of ${name} removed`);
          removedAny = true;
        }
      }
    }
    // the DNSEndpoint entry goes; the record at the provider only where
    // its ExternalDNS deletes what it owns (policy sync)
    const keeping = cluster
      ? externalDnsDeploymentsOf(cluster).filter(
          d => d.sources.includes('crd') && d.ownership.policy !== 'sync',
        )
      : [];
    if (removedAny && keeping.length)
      ctx.notes.push(
        `${name}: ${keeping
          .map(d => `${d.description} (policy ${d.ownership.policy})`)
          .join(', ')} never ${
          keeping.length > 1 ? 'delete' : 'deletes'
        } records: ${
          cluster?.fqdn?.name ?? 'its record'
        } stays at the DNS provider once its DNSEndpoint entry is gone; delete it there by hand.`,
      );
  }
}
