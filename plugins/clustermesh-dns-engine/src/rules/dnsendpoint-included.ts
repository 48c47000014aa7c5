import { formatLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clusterPath } from '../conventions/templates';
import {
  clustersRunningExternalDns,
  externalDnsDeploymentsOf,
  idleExternalDns,
  inRepositoryLayout,
  whereMissing,
} from '../model/queries';
import { basenamePath, dirnamePath } from '../tree/RepoTree';
import { locate } from '../yaml/locate';
import { defineClusterRule, q } from './rule';

/** The DNSEndpoint file is applied by the cluster's Flux Kustomizations. @public */
export const dnsEndpointIncluded = defineClusterRule({
  id: 'dnsendpoint-included',
  title: 'DNSEndpoint included',
  severity: 'error',
  scope: 'cluster',
  description:
    "The cluster's own DNSEndpoint (the configured name and namespace, or one with a dnsName that is the cluster's FQDN) is applied by the cluster's Flux Kustomizations (listed in a kustomization.yaml on the way). Other DNSEndpoints (a game server's, a tunnel's) do not count. Where the repository has an ExternalDNS that no cluster applies, the failure says so: a DNSEndpoint would publish nothing (configure refuses to write one), so the records are kept by hand or ExternalDNS is applied first.",
  remediation: (c, failure) => {
    // nothing would publish one: the two ways on, as configure says
    if (failure?.id === 'noPublisher')
      return 'Apply the ExternalDNS the repository has to the clusters (list it in their kustomizations again, with the crd source), then run `clustermesh-dns configure`; or keep the records by hand: `clustermesh-dns configure --mode manual` writes them in a records document.';
    if (failure?.id === 'noExternalDnsHere')
      return 'Deploy ExternalDNS (with the crd source) to the cluster, as to the others, then run `clustermesh-dns configure`; or keep the records by hand: `clustermesh-dns configure --mode manual` writes them in a records document.';
    if (failure?.id === 'noReader')
      return "Add `crd` to the sources of the cluster's ExternalDNS (the chart's `sources`, or `--source=crd`), then run `clustermesh-dns configure`; or keep the records by hand: `clustermesh-dns configure --mode manual` writes them in a records document.";
    // the file found but not applied
    if (failure?.id === 'notApplied' && failure.location) {
      const { file } = failure.location;
      return `Add \`${basenamePath(
        file,
      )}\` to the \`resources\` of the kustomization in \`${dirnamePath(
        file,
      )}/\` (or run \`clustermesh-dns configure\`).`;
    }
    // a place of another layout: where configure would write it
    if (failure?.inRepository && !failure.inRepository(c.dnsEndpoint.file))
      return `Run \`clustermesh-dns configure\`, which writes the cluster's DNSEndpoint beside its Cilium values, in a folder a Flux Kustomization of the cluster applies (or write it there yourself and list it in the \`resources\` of that folder's kustomization; set the conventions' \`dnsEndpoint.file\` to where this repository keeps such files).`;
    // else where the conventions keep it, when the repository does
    return `Write the cluster's DNSEndpoint in \`${clusterPath(
      c.dnsEndpoint.file,
      '<cluster>',
    )}\` and list it in the \`resources\` of its folder's kustomization, which a Flux Kustomization of the cluster applies (or run \`clustermesh-dns configure\`, which writes it where the cluster's Cilium values are applied).`;
  },
  messages: {
    manual: 'DNS mode is manual: no DNSEndpoint to include',
    applied: "{{file}} is applied by the cluster's Flux Kustomizations",
    other: 'the DNSEndpoint in {{other}} is applied{{conventional}}',
    missing:
      'no DNSEndpoint of the cluster is applied{{expected}}{{unrelated}}',
    noExternalDnsHere:
      'no DNSEndpoint of the cluster is applied, and none would be published: the repository deploys ExternalDNS to {{others}}, not to this cluster{{unrelated}}',
    noReader:
      'no DNSEndpoint of the cluster is applied, and none would be published: its ExternalDNS ({{deployments}}) reads no DNSEndpoints (no crd source){{unrelated}}',
    noPublisher:
      'no DNSEndpoint of the cluster is applied, and none would be published: no cluster runs ExternalDNS (the repository has {{deployment}}, {{where}}, but no kustomization of a cluster applies it){{unrelated}}',
    notApplied:
      '{{file}} exists but no Flux Kustomization of the cluster applies it{{hint}}',
  },
  absence: [
    'missing',
    'notApplied',
    'noPublisher',
    'noReader',
    'noExternalDnsHere',
  ],
  check(mesh, c, r) {
    if (mesh.conventions.dns.mode === 'manual')
      return [r.notApplicable('manual')];
    const file = clusterPath(mesh.conventions.dnsEndpoint.file, c.name);
    // the file, or the kustomization that would list it (its folder's, the
    // cluster's); where there is none, the Kustomization applying Cilium, beside
    // which configure places the record (not an app's the cluster applies
    // first)
    const ciliumApplier = c.cilium?.appliedBy?.object;
    const where =
      mesh.repository.isFile(file) ||
      mesh.repository.kustomizationFile(dirnamePath(file)) ||
      mesh.repository.kustomizationFile(c.dir) ||
      !ciliumApplier
        ? whereMissing(mesh.repository, c, file)
        : locate(ciliumApplier);
    // only the cluster's own DNSEndpoints count, not a game server's
    if (c.dnsEndpoints.some(e => e.object.source.file === file))
      return [r.pass('applied', { file }, where)];
    if (!mesh.repository.isFile(file)) {
      const other = c.dnsEndpoints[0];
      const { name, namespace } = mesh.conventions.dnsEndpoint;
      const unrelated = c.unrelatedDnsEndpoints
        ? ` (${
            c.unrelatedDnsEndpoints
          } other DNSEndpoint(s) are applied, none named ${namespace}/${name} or with dnsName ${
            c.fqdn ? q(c.fqdn.value) : 'the FQDN'
          })`
        : '';
      // written but switched off in every cluster: a new DNSEndpoint
      // would publish nothing (configure refuses to write one)
      const idle = other ? undefined : idleExternalDns(mesh);
      if (idle)
        return [
          r.fail(
            'noPublisher',
            {
              deployment: idle.description,
              where: formatLocation(idle.location),
              unrelated,
            },
            where,
          ),
        ];
      // its ExternalDNS, every source read, takes no DNSEndpoint: one
      // written would publish nothing (configure refuses to write one)
      const deployments = other ? [] : externalDnsDeploymentsOf(c);
      // none here, where the other clusters have theirs
      const running = clustersRunningExternalDns(mesh);
      if (!other && !deployments.length && running.length)
        return [
          r.fail(
            'noExternalDnsHere',
            { others: running.join(', '), unrelated },
            where,
          ),
        ];
      if (
        deployments.length &&
        deployments.every(
          d =>
            !d.sources.includes('crd') &&
            !d.valuesUnread &&
            (d.sources.length > 0 || d.defaultSources),
        )
      )
        return [
          r.fail(
            'noReader',
            {
              deployments: deployments
                .map(d => `${d.description}, ${formatLocation(d.location)}`)
                .join('; '),
              unrelated,
            },
            where,
          ),
        ];
      return other
        ? [
            r.pass(
              'other',
              {
                other: other.object.source.file,
                // the conventions' path only where the repository keeps such files
                conventional: inRepositoryLayout(mesh.repository, file)
                  ? ` (conventions name ${file})`
                  : '',
              },
              locate(other.object),
            ),
          ]
        : [
            r.fail(
              'missing',
              {
                // the conventions' path only where the repository keeps such files
                expected: inRepositoryLayout(mesh.repository, file)
                  ? ` and ${file} does not exist`
                  : '',
                unrelated,
              },
              where,
            ),
          ];
    }
    const kustomization = mesh.repository.kustomizationFile(dirnamePath(file));
    return [
      r.fail(
        'notApplied',
        {
          file,
          hint: kustomization
            ? `: add it to the resources of ${kustomization}`
            : '',
        },
        where,
      ),
    ];
  },
});
