import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
import { fixtureFiles, repositoryConventions } from '../__testUtils__/trees';
import { validateMesh } from '../report/report';
import { createRepoTree } from '../tree/RepoTree';
import { lbIpAnnounced } from './lb-ip-announced';

/** The example's L2 announcement policy, shared by both clusters. */
const policyFile =
  'kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml';

/** infra's lb-ip-announced check with these announcement objects in place of the example's. */
const infraWith = (...documents: string[]) =>
  exampleChecks(files => {
    files[policyFile] = documents.join('---\n');
    // BGP switched on beside L2 in the Cilium values
    if (documents.some(d => d.includes('CiliumBGP')))
      files[exampleFile.helmRelease] = files[exampleFile.helmRelease].replace(
        '    l2announcements:\n',
        '    bgpControlPlane:\n      enabled: true\n    l2announcements:\n',
      );
  }).find(c => c.ruleId === 'lb-ip-announced' && c.cluster === 'infra')!;

/** The example with no cluster applying its L2 announcement policy. */
const withoutL2Policy = (files: Record<string, string>) => {
  for (const c of ['infra', 'apps'])
    files[`kubernetes/clusters/${c}/kustomization.yaml`] = files[
      `kubernetes/clusters/${c}/kustomization.yaml`
    ].replace(/ {2}- .*l2-announcement\.yaml\n/, '');
};

const l2 = (spec: string) =>
  `apiVersion: cilium.io/v2alpha1\nkind: CiliumL2AnnouncementPolicy\nmetadata:\n  name: l2\nspec:\n${spec}`;

/** A BGPv2 advertisement of LoadBalancer addresses, labelled advertise=bgp. */
const advertisement = (selector: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumBGPAdvertisement\nmetadata:\n  name: services\n  labels: {advertise: bgp}\nspec:\n  advertisements:\n    - advertisementType: Service\n      service:\n        addresses: [LoadBalancerIP]\n${selector}`;

/** Takes every service. */
const everyService =
  '      selector:\n        matchExpressions: [{key: somekey, operator: NotIn, values: [never-used-value]}]\n';

/** A BGPv2 peer config whose IPv4 family sends the advertisements these labels select. */
const peerConfig = (matchLabels: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumBGPPeerConfig\nmetadata:\n  name: peer\nspec:\n  families:\n    - afi: ipv4\n      safi: unicast\n      advertisements:\n        matchLabels: ${matchLabels}\n`;

/** infra's check with the clustermesh-apiserver service given this loadBalancerClass in the Cilium values. */
const infraWithClass = (serviceClass: string, ...documents: string[]) =>
  exampleChecks(files => {
    files[policyFile] = documents.join('---\n');
    files[exampleFile.helmRelease] = files[exampleFile.helmRelease]
      .replace(
        '    l2announcements:\n',
        '    bgpControlPlane:\n      enabled: true\n    l2announcements:\n',
      )
      .replace(
        /\n( +)service:\n/,
        (_, indent) =>
          `\n${indent}service:\n${indent}  loadBalancerClass: ${serviceClass}\n`,
      );
  }).find(c => c.ruleId === 'lb-ip-announced' && c.cluster === 'infra')!;

describe('lb-ip-announced', () => {
  describeRule(lbIpAnnounced, {
    // the example's policy narrowed to a Gateway's service
    edit: replace(
      policyFile,
      '  loadBalancerIPs: true\n',
      '  loadBalancerIPs: true\n  serviceSelector:\n    matchLabels: {gateway.networking.k8s.io/gateway-name: internal}\n',
    ),
    fails: {
      cluster: 'infra',
      at: `${policyFile}:4`,
      message:
        /^none of the cluster's Cilium announcements takes the clustermesh-apiserver service/,
    },
  });

  it("passes on the example, whose L2 policy answers for every service's LoadBalancer address", () => {
    expect(
      exampleChecks()
        .filter(c => c.ruleId === 'lb-ip-announced')
        .map(c => [c.cluster, c.outcome, c.message]),
    ).toEqual(
      ['apps', 'infra'].map(c => [
        c,
        'pass',
        'CiliumL2AnnouncementPolicy l2-announcement announces it, on interfaces matching ^eth[0-9]+ (which interfaces match is not known here)',
      ]),
    );
  });

  it('points at the Cilium values where they switch its announcements off, and says so', () => {
    const checks = exampleChecks(files => {
      withoutL2Policy(files);
      replace(
        exampleFile.helmRelease,
        '    l2announcements:\n      enabled: true\n',
        '    l2announcements:\n      enabled: false\n    bgpControlPlane:\n      enabled: false\n',
      )(files);
    }).filter(c => c.ruleId === 'lb-ip-announced');
    expect(checks.map(c => [c.outcome, c.message, c.location])).toEqual(
      ['apps', 'infra'].map(() => [
        'not-evaluated',
        'no L2 announcement policy or BGP advertisement of Cilium is applied to the cluster, and its Cilium values switch them off (l2announcements.enabled: false, bgpControlPlane.enabled: false): the LB IP is announced only if another tool does (kube-vip, routes to the nodes), which is not checked here (switch the rule off in the conventions if the cluster announces it that way)',
        { file: exampleFile.helmRelease, line: 24 },
      ]),
    );
  });

  it('is not evaluated where the cluster applies no Cilium announcement: another tool may announce the address, or none', () => {
    const checks = exampleChecks(withoutL2Policy).filter(
      c => c.ruleId === 'lb-ip-announced',
    );
    expect(checks.map(c => [c.outcome, c.message, c.location])).toEqual(
      ['apps', 'infra'].map(c => [
        'not-evaluated',
        'no L2 announcement policy or BGP advertisement of Cilium is applied to the cluster: whether another tool announces the LB IP (kube-vip, routes to the nodes) is not checked here (switch the rule off in the conventions if the cluster announces it that way)',
        // the LB IP it speaks of
        { file: exampleFile.settings(c), line: 15 },
      ]),
    );
  });

  it("names Cilium's legacy BGP, which announces LoadBalancer addresses from pools of its own, as what is not evaluated", () => {
    const checks = exampleChecks(files => {
      withoutL2Policy(files);
      files[exampleFile.helmRelease] = files[exampleFile.helmRelease].replace(
        '    l2announcements:\n',
        '    bgp:\n      enabled: true\n      announce:\n        loadbalancerIP: true\n    l2announcements:\n',
      );
    }).filter(c => c.ruleId === 'lb-ip-announced');
    expect(checks.map(c => [c.cluster, c.outcome, c.message])).toEqual([
      [
        'apps',
        'not-evaluated',
        "Cilium's legacy BGP (bgp.enabled with bgp.announce.loadbalancerIP) announces LoadBalancer addresses, from the address pools of its bgp-config ConfigMap: whether it announces 10.25.11.120, which LB IPAM gives, is not evaluated here (the BGP control plane, with a CiliumBGPAdvertisement, replaces it)",
      ],
      [
        'infra',
        'not-evaluated',
        "Cilium's legacy BGP (bgp.enabled with bgp.announce.loadbalancerIP) announces LoadBalancer addresses, from the address pools of its bgp-config ConfigMap: whether it announces 10.25.11.100, which LB IPAM gives, is not evaluated here (the BGP control plane, with a CiliumBGPAdvertisement, replaces it)",
      ],
    ]);
  });

  it('passes an L2 policy for LoadBalancer addresses that takes every service, or the apiserver by its labels', () => {
    for (const spec of [
      '  loadBalancerIPs: true\n',
      '  loadBalancerIPs: true\n  serviceSelector:\n    matchLabels: {k8s-app: clustermesh-apiserver}\n',
    ])
      expect(infraWith(l2(spec))).toMatchObject({
        outcome: 'pass',
        message: 'CiliumL2AnnouncementPolicy l2 announces it',
      });
  });

  it('says which nodes and interfaces an L2 policy limits its announcing to, which the repository cannot show', () => {
    expect(
      infraWith(
        l2(
          "  loadBalancerIPs: true\n  interfaces: ['^enp89s[0-9]+']\n  nodeSelector:\n    matchExpressions:\n      - {key: node-role.kubernetes.io/control-plane, operator: DoesNotExist}\n",
        ),
      ),
    ).toMatchObject({
      outcome: 'pass',
      message:
        'CiliumL2AnnouncementPolicy l2 announces it, from the nodes its nodeSelector picks, on interfaces matching ^enp89s[0-9]+ (which nodes and interfaces match is not known here)',
    });
  });

  it('warns when the only L2 policy takes a Gateway service, or no LoadBalancer addresses', () => {
    expect(
      infraWith(
        l2(
          '  loadBalancerIPs: true\n  serviceSelector:\n    matchLabels: {gateway.networking.k8s.io/gateway-name: internal}\n',
        ),
        l2('  externalIPs: true\n').replace('name: l2', 'name: l2-external'),
      ),
    ).toMatchObject({
      outcome: 'fail',
      severity: 'warning',
      message:
        'none of the cluster\'s Cilium announcements takes the clustermesh-apiserver service (labels k8s-app=clustermesh-apiserver, app.kubernetes.io/name=clustermesh-apiserver, app.kubernetes.io/part-of=cilium, io.kubernetes.service.namespace=kube-system, io.kubernetes.service.name=clustermesh-apiserver): CiliumL2AnnouncementPolicy l2 in kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml: its service selector {"matchLabels":{"gateway.networking.k8s.io/gateway-name":"internal"}} does not admit it; CiliumL2AnnouncementPolicy l2-external in kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml: it does not announce LoadBalancer addresses (loadBalancerIPs is not true)',
      location: { file: policyFile, line: 1 },
    });
  });

  it('reads BGP: an advertisement of LoadBalancerIP whose selector takes every service passes; a peering policy with no service selector announces none', () => {
    expect(
      infraWith(
        advertisement(
          '      selector:\n        matchExpressions: [{key: somekey, operator: NotIn, values: [never-used-value]}]\n',
        ),
        peerConfig('{advertise: bgp}'),
      ),
    ).toMatchObject({ outcome: 'pass' });
    expect(
      infraWith(advertisement(''), peerConfig('{advertise: bgp}')),
    ).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining(
        'CiliumBGPAdvertisement services in kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml: it has no service selector',
      ),
    });
    expect(
      infraWith(
        'apiVersion: cilium.io/v2alpha1\nkind: CiliumBGPPeeringPolicy\nmetadata:\n  name: rack\nspec:\n  virtualRouters:\n    - localASN: 64512\n      neighbors: [{peerAddress: 10.0.0.1/32, peerASN: 64512}]\n',
      ),
    ).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining('it has no service selector'),
    });
  });

  it('takes no announcement from a peering policy where Cilium is 1.19 or later, which removed the kind (BGPv1)', () => {
    const policy =
      'apiVersion: cilium.io/v2alpha1\nkind: CiliumBGPPeeringPolicy\nmetadata:\n  name: rack\nspec:\n  virtualRouters:\n    - localASN: 64512\n      serviceSelector:\n        matchExpressions: [{key: somekey, operator: NotIn, values: [never-used-value]}]\n      neighbors: [{peerAddress: 10.0.0.1/32, peerASN: 64512}]\n';
    const withCilium = (version: string) =>
      exampleChecks(files => {
        files[policyFile] = policy;
        files[exampleFile.helmRelease] = files[exampleFile.helmRelease]
          .replace(
            '    l2announcements:\n',
            '    bgpControlPlane:\n      enabled: true\n    l2announcements:\n',
          )
          .replace('version: 1.18.4', `version: ${version}`);
      }).find(c => c.ruleId === 'lb-ip-announced' && c.cluster === 'infra')!;
    expect(withCilium('1.18.4')).toMatchObject({
      outcome: 'pass',
      message: expect.stringContaining(
        'CiliumBGPPeeringPolicy rack announces it',
      ),
    });
    expect(withCilium('1.19.1')).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining(
        `CiliumBGPPeeringPolicy rack in ${policyFile}: Cilium 1.19.1 (${exampleFile.helmRelease}:13) has no CiliumBGPPeeringPolicy: 1.19 removed the kind`,
      ),
    });
  });

  it("warns when Cilium's values leave L2 announcements off, whatever the policy says", () => {
    expect(
      exampleChecks(files => {
        files[exampleFile.helmRelease] = files[exampleFile.helmRelease].replace(
          '    l2announcements:\n      enabled: true\n',
          '',
        );
      }).find(c => c.ruleId === 'lb-ip-announced' && c.cluster === 'infra'),
    ).toMatchObject({
      outcome: 'fail',
      message:
        "CiliumL2AnnouncementPolicy l2-announcement would announce the clustermesh-apiserver's LB IP, but the Cilium values do not switch l2announcements.enabled on: Cilium announces nothing",
      // the values, where the fix goes
      location: { file: exampleFile.helmRelease },
      remediation: expect.stringMatching(
        /^Switch the feature on in the Cilium values \(`l2announcements\.enabled: true`/,
      ),
    });
    // a policy that would not take the service anyway says so too
    expect(
      exampleChecks(files => {
        replace(
          exampleFile.helmRelease,
          '    l2announcements:\n      enabled: true\n',
          '    l2announcements:\n      enabled: false\n',
        )(files);
        replace(
          'kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml',
          'loadBalancerIPs: true',
          'loadBalancerIPs: false',
        )(files);
      }).find(c => c.ruleId === 'lb-ip-announced' && c.cluster === 'infra')
        ?.message,
    ).toContain(
      "CiliumL2AnnouncementPolicy l2-announcement in kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml: Cilium's values do not switch L2 announcements on (l2announcements.enabled)",
    );
  });

  it('cannot tell when the selector holds a value not known here (a Secret)', () => {
    const checks = exampleChecks(files => {
      withoutL2Policy(files);
      // applied by a Kustomization that substitutes the cluster's secrets
      files[
        'kubernetes/infrastructure/networking/cilium/clustermesh/announce.yaml'
      ] = l2(
        '  loadBalancerIPs: true\n  serviceSelector:\n    matchLabels: {team: "${SECRET_TEAM}"}\n',
      );
      files[
        'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml'
      ] += '  - announce.yaml\n';
      files['kubernetes/clusters/infra/cluster-secrets.sops.yaml'] = files[
        'kubernetes/clusters/infra/cluster-secrets.sops.yaml'
      ].replace(
        '  SECRET_DOMAIN:',
        '  SECRET_TEAM: ENC[AES256_GCM,data:AAAA,type:str]\n  SECRET_DOMAIN:',
      );
    });
    expect(
      checks.find(c => c.ruleId === 'lb-ip-announced' && c.cluster === 'infra'),
    ).toMatchObject({
      outcome: 'not-evaluated',
      message:
        "CiliumL2AnnouncementPolicy l2 may announce it: its selector holds a value not known here (give it in the conventions' values)",
    });
  });

  it('does not pass when the cluster has no LB IP yet: nothing was announced', () => {
    expect(
      exampleChecks(
        replace(
          exampleFile.settings('infra'),
          /\n {2}CILIUM_CLUSTERMESH_LB_IP: .*/,
          '',
        ),
      ).find(c => c.ruleId === 'lb-ip-announced' && c.cluster === 'infra'),
    ).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'the cluster has no LB IP yet (or not one read here): whether its announcements take it is not checked',
    });
  });

  it('counts a BGP advertisement only when a CiliumBGPPeerConfig selects it', () => {
    expect(infraWith(advertisement(everyService))).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining(
        'CiliumBGPAdvertisement services in kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml: no CiliumBGPPeerConfig is applied to the cluster to select it',
      ),
    });
    expect(
      infraWith(advertisement(everyService), peerConfig('{advertise: l2}')),
    ).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining(
        'no CiliumBGPPeerConfig family selects it by its labels (advertise=bgp)',
      ),
    });
  });

  it("follows the service's loadBalancerClass: L2 policies serve io.cilium/l2-announcer, BGP io.cilium/bgp-control-plane", () => {
    const l2Policy = l2('  loadBalancerIPs: true\n');
    const bgp = [advertisement(everyService), peerConfig('{advertise: bgp}')];
    expect(infraWithClass('io.cilium/l2-announcer', l2Policy)).toMatchObject({
      outcome: 'pass',
    });
    expect(infraWithClass('io.cilium/bgp-control-plane', ...bgp)).toMatchObject(
      { outcome: 'pass' },
    );
    expect(
      infraWithClass('io.cilium/bgp-control-plane', l2Policy),
    ).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining(
        "CiliumL2AnnouncementPolicy l2 in kubernetes/infrastructure/networking/cilium/ipam/l2-announcement.yaml: the service's loadBalancerClass io.cilium/bgp-control-plane is not io.cilium/l2-announcer, the one it serves",
      ),
    });
    expect(infraWithClass('io.cilium/l2-announcer', ...bgp)).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining(
        "the service's loadBalancerClass io.cilium/l2-announcer is not io.cilium/bgp-control-plane",
      ),
    });
    expect(infraWithClass('service.k8s.aws/nlb', l2Policy)).toMatchObject({
      outcome: 'not-applicable',
      message:
        "the clustermesh-apiserver service's loadBalancerClass service.k8s.aws/nlb hands it to another load balancer than Cilium's announcements (not checked here)",
    });
  });

  it("fails where MetalLB's pools are applied and no Cilium announcement: MetalLB announces only the addresses it gives out", () => {
    const check = infraWith(
      'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n  namespace: metallb-system\nspec:\n  addresses: [10.25.12.0/24]\n',
    );
    expect(check).toMatchObject({
      outcome: 'fail',
      severity: 'warning',
      message:
        "the cluster applies no Cilium announcement but MetalLB's IPAddressPool metallb-system/lan: MetalLB announces only the addresses it gives out itself, not the one Cilium LB IPAM gives the clustermesh-apiserver, which peers then cannot reach",
      remediation: expect.stringMatching(/^Announce the address with Cilium/),
    });
    // no Cilium pool: the addresses are MetalLB's, which lb-ip-in-pool says
    const metalLbOnly = exampleChecks(files => {
      files[policyFile] =
        'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n  namespace: metallb-system\nspec:\n  addresses: [10.25.11.0/24]\n';
      replace(
        'kubernetes/clusters/infra/kustomization.yaml',
        /\n {2}- .*lb-ippool-infra\.yaml/,
        '',
      )(files);
    }).find(c => c.ruleId === 'lb-ip-announced' && c.cluster === 'infra');
    expect(metalLbOnly).toMatchObject({
      outcome: 'not-evaluated',
      message:
        "the cluster applies MetalLB's IPAddressPool metallb-system/lan and no Cilium pool: MetalLB gives its LoadBalancer addresses and announces those it gives (by its L2Advertisement or BGPAdvertisement); whether it gives and announces the LB IP, which it does not take from Cilium's LB IPAM annotation, is not checked here (lb-ip-in-pool says where the address comes from)",
      location: { file: policyFile, line: 1 },
    });
  });

  it('does not fail an L2 policy for want of l2announcements.enabled in a values file, one layer of an install that may set it beside the file', () => {
    const outcome = (values: string) => {
      const files = fixtureFiles('configure-values-file/repo');
      files['clusters/alpha/l2.yaml'] = l2('  loadBalancerIPs: true\n');
      files['clusters/alpha/kustomization.yaml'] = files[
        'clusters/alpha/kustomization.yaml'
      ].replace('pool.yaml]', 'pool.yaml, l2.yaml]');
      files['bootstrap/cilium/alpha.yaml'] += values;
      return validateMesh(createRepoTree(files), repositoryConventions(files))
        .clusters.find(c => c.name === 'alpha')!
        .checks.find(c => c.ruleId === 'lb-ip-announced')!;
    };
    expect(outcome('')).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'CiliumL2AnnouncementPolicy l2 announces it if Cilium runs with l2announcements.enabled, which its values file bootstrap/cilium/alpha.yaml does not set: the install may set it beside the file (Terraform, helmfile), not read here',
    });
    expect(outcome('l2announcements:\n  enabled: true\n').outcome).toBe('pass');
    expect(outcome('l2announcements:\n  enabled: false\n').outcome).toBe(
      'fail',
    );
  });
});
