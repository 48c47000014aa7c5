import { firstFew } from '../core/text';
import type { CheckResult } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import {
  CaPairing,
  caPairing,
  chartRendersCa,
  clusterCa,
  peerListing,
} from '../model/ca';
import { ciliumUnavailableReason } from '../model/queries';
import type { ClusterModel } from '../model/types';
import { defineClusterRule, installedAsWritten } from './rule';

/** The clusters of the mesh share the CA of their ClusterMesh certificates. @public */
export const caShared = defineClusterRule({
  id: 'ca-shared',
  title: 'CA shared',
  severity: 'error',
  scope: 'cluster',
  description:
    "The cluster's ClusterMesh certificates come from the CA its peers use: a peer checks a clustermesh-apiserver's certificate against its own CA (unless its mesh entry gives the peer's, `tls.caCert`, with a client certificate and key, `tls.cert` and `tls.key`, without which the chart ignores it), so two CAs make the clusters refuse each other. The same `tls.ca.cert` in the values, or the same `cilium-ca` Secret (SOPS text, ExternalSecret) applied to each, passes; two different `tls.ca.cert` fail. A CA Secret the repository makes without Helm's ownership metadata, where the chart renders `cilium-ca` too (its defaults), is a warning: Helm refuses to take it over on a new cluster. Where neither is given, the chart makes a CA per cluster unless a `cilium-ca` Secret is put in each cluster outside what Flux applies (by hand, by a bootstrap script): a warning. Where the chart does not list the peers (`clustermesh.config.enabled` is not true), the Secret that lists them carries each peer's CA: not evaluated, as are a CA from cert-manager, provided certificates, a trust bundle (`tls.caBundle`), values not read, two differently written secrets, and one SealedSecret (which unseals in each cluster only where the controllers share a sealing key).",
  remediation: (_c, failure) => {
    if (failure?.id === 'otherNamespace')
      return "Make the CA Secret in the Cilium release's namespace (where its chart looks for `cilium-ca`), or give the release that Secret's namespace.";
    if (failure?.id === 'helmTakesOver')
      return "Give the Secret Helm's ownership metadata, so the chart takes it over and reuses its CA: the label `app.kubernetes.io/managed-by: Helm` and the annotations `meta.helm.sh/release-name` and `meta.helm.sh/release-namespace` of the Cilium release (in an ExternalSecret, under `spec.target.template.metadata`).";
    if (failure?.id === 'bootstrapVerbatim')
      return 'Have the bootstrap give the CA itself (a `cilium-ca` Secret it applies before Cilium, or `set` of `tls.ca.cert` and `tls.ca.key` on the Cilium release of its helmfile, from the secret), or keep the CA in a `cilium-ca` Secret instead of the values.';
    return "Give every cluster of the mesh one CA: the same `cilium-ca` Secret in Cilium's namespace (from one SOPS-encrypted file, or an ExternalSecret of one key), or the same `tls.ca.cert` and `tls.ca.key` in the values; or give each mesh entry the peer's CA with a client certificate and key it signs (`tls.caCert`, `tls.cert` and `tls.key` of `clustermesh.config.clusters[]`; the chart ignores `tls.caCert` alone). A CA is a secret: configure does not write one.";
  },
  messages: {
    noValues: '{{reason}}',
    noPeers: 'no peer in the mesh: there is no CA to share',
    shared: 'its ClusterMesh CA comes from {{how}}, as for {{peers}}',
    differs:
      "its ClusterMesh CA is not that of {{peers}}: {{how}}: each refuses the other's certificates",
    chart:
      "{{how}} (no tls.ca.cert with its tls.ca.key in the values, no cilium-ca Secret applied), so {{clusters}} refuse each other's certificates, unless a cilium-ca Secret of one CA is put in each cluster outside what Flux applies (by hand, by a bootstrap script)",
    unknown: 'whether it shares its ClusterMesh CA is not known: {{how}}',
    otherNamespace:
      "Secret {{secret}} ({{by}}) is not in the Cilium release's namespace, {{namespace}}, where the chart looks for cilium-ca: its chart makes its own CA, and the clusters refuse each other's certificates",
    helmTakesOver:
      'Secret {{secret}}, {{made}}, is rendered by the chart too (clustermesh.apiserver.tls.auto.method or hubble.tls.auto.method helm, the defaults): where it is there first (a new cluster), Helm refuses to take over a Secret without its ownership metadata, and the Cilium release fails',
    bootstrapVerbatim:
      '{{helmfile}} installs these Cilium values as they are to bootstrap a new cluster, where Flux does not substitute: `{{line}}` reaches that first install as written, which is no certificate, and the chart fails to read the CA',
  },
  check(mesh, c, r) {
    const own = clusterCa(c);
    if (!own)
      return [
        r.notEvaluated('noValues', {
          reason: ciliumUnavailableReason(mesh, c),
        }),
      ];
    const peers = c.peers
      .map(p => mesh.byName.get(p.peer))
      .filter((p): p is ClusterModel => p !== undefined && p !== c);
    if (!peers.length) return [r.notApplicable('noPeers', {}, own.location)];
    const by = { same: [], differs: [], chart: [], unknown: [] } as Record<
      CaPairing['verdict'],
      { peer: string; how: string }[]
    >;
    for (const peer of peers) {
      const pairing = caPairing(mesh, c, peer);
      by[pairing.verdict].push({ peer: peer.name, how: pairing.how });
    }
    const hows = (list: { how: string }[]) =>
      firstFew([...new Set(list.map(p => p.how))]);
    const names = (list: { peer: string }[]) =>
      firstFew(
        list.map(p => p.peer),
        5,
      );
    const verdict = (): CheckResult => {
      if (by.differs.length)
        return r.fail(
          'differs',
          { how: hows(by.differs), peers: names(by.differs) },
          own.location,
        );
      if (by.chart.length && own.kind === 'chart' && own.elsewhere)
        return r.warn(
          'otherNamespace',
          {
            secret: own.elsewhere.secret,
            by: own.elsewhere.by,
            namespace: c.cilium!.releaseNamespace,
          },
          own.elsewhere.location,
        );
      if (by.chart.length)
        return r.warn(
          'chart',
          {
            how: hows(by.chart),
            clusters: names(
              [{ peer: c.name }, ...by.chart].sort((a, b) =>
                a.peer.localeCompare(b.peer),
              ),
            ),
          },
          own.location,
        );
      // the peers listed in a Secret made elsewhere: said where it is made
      const listing = peerListing(mesh, c);
      if (by.unknown.length)
        return r.notEvaluated(
          'unknown',
          { how: hows(by.unknown) },
          (listing.notListed && listing.at) || own.location,
        );
      return r.pass(
        'shared',
        { how: hows(by.same), peers: names(by.same) },
        own.location,
      );
    };
    // also said, whatever the verdict: a bootstrap installing these values
    // as they are (a variable reaches the chart's certificate functions as
    // written), and a Secret Helm would have to take over
    const verbatim =
      own.kind === 'values'
        ? installedAsWritten(mesh, c, own.path.split('.'))
        : undefined;
    return [
      verdict(),
      ...(verbatim
        ? [
            r.warn(
              'bootstrapVerbatim',
              { helmfile: verbatim.helmfile, line: verbatim.line },
              verbatim.at,
            ),
          ]
        : []),
      ...(own.kind === 'secret' && !own.helmOwned && chartRendersCa(c)
        ? [
            r.warn(
              'helmTakesOver',
              {
                secret: `${c.cilium!.releaseNamespace}/${own.name}`,
                made: own.by.startsWith('Secret ')
                  ? 'which the repository applies'
                  : `which ${own.by} makes`,
              },
              own.location,
            ),
          ]
        : []),
    ];
  },
});
