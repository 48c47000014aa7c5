import {
  bootstrapHelmfile,
  describeRule,
  exampleChecks,
  exampleFile,
  metalLbOnlyForInfra,
  withMetalLbPool,
  replace,
} from '../__testUtils__/rules';
import { serviceAnnotation } from './service-annotation';
import { detectConventions } from '../conventions/detect';
import { resolveConventions } from '../conventions/resolve';
import { validateMesh } from '../report/report';
import { fixtureTree } from '../__testUtils__/trees';

describe('service-annotation', () => {
  describeRule(serviceAnnotation, {
    edit: replace(
      exampleFile.helmRelease,
      'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
      'lbipam.cilium.io/ips: 10.25.11.101',
    ),
    fails: {
      cluster: 'infra',
      at: `${exampleFile.helmRelease}:32`,
      message:
        /annotation lbipam.cilium.io\/ips is "10.25.11.101", not the LB IP 10.25.11.100/,
    },
  });

  const checksOf = (edit: (f: Record<string, string>) => void) =>
    exampleChecks(edit).filter(
      c => c.ruleId === 'service-annotation' && c.cluster === 'infra',
    );

  it("advises the address itself where a bootstrap helmfile installs a cluster's own Cilium values as they are, and the variable with why where the clusters share the file, as configure writes them", () => {
    // b's own values file, which the bootstrap installs
    const own = fixtureTree('configure-own-folder-entry/repo', files => {
      files['clusters/b/apps/cilium/helmrelease.yaml'] = files[
        'clusters/b/apps/cilium/helmrelease.yaml'
      ].replace(/lbipam\.cilium\.io\/ips: .*\n/, 'team: platform\n');
      files['bootstrap/helmfile.yaml'] = bootstrapHelmfile(
        'clusters/b/apps/cilium/helmrelease.yaml',
      );
    });
    const b = validateMesh(own, resolveConventions({}, detectConventions(own)))
      .clusters.find(c => c.name === 'b')!
      .checks.find(k => k.ruleId === 'service-annotation')!;
    expect(b.outcome).toBe('fail');
    expect(b.remediation).toBe(
      'In the Cilium values set `clustermesh.apiserver.service.type: LoadBalancer` and `annotations: {lbipam.cilium.io/ips: <the LB IP>}`, the address itself: bootstrap/helmfile.yaml reads clusters/b/apps/cilium/helmrelease.yaml to install a new cluster, where Flux does not substitute.',
    );
    // the example's values, which both clusters apply
    const [shared] = checksOf(files => {
      replace(
        exampleFile.helmRelease,
        'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
        'team: platform',
      )(files);
      files['bootstrap/helmfile.yaml'] = bootstrapHelmfile(
        exampleFile.helmRelease,
      );
    });
    expect(shared.outcome).toBe('fail');
    expect(shared.remediation).toBe(
      `In the Cilium values set \`clustermesh.apiserver.service.type: LoadBalancer\` and \`annotations: {lbipam.cilium.io/ips: \${CILIUM_CLUSTERMESH_LB_IP}}\`. bootstrap/helmfile.yaml reads ${exampleFile.helmRelease} to install a new cluster, where Flux does not substitute: one file cannot hold each cluster's own value, so the \`\${…}\` reaches that first install as written, until Flux reconciles the HelmRelease.`,
    );
  });

  describe('a bootstrap helmfile installing the values with helm waiting', () => {
    // the onedr0p template's shape: releases in apps.yaml, a base template
    // whose values template reads each release's HelmRelease by printf
    const bootstrap =
      (release: string[]) => (files: Record<string, string>) => {
        files['bootstrap/helmfile/apps.yaml'] = [
          'helmDefaults:',
          '  wait: true',
          'bases:',
          '  - default.yaml',
          'releases:',
          ...release,
          '  - name: coredns',
          '    namespace: kube-system',
          '',
        ].join('\n');
        files['bootstrap/helmfile/default.yaml'] = [
          'templates:',
          '  default:',
          '    values:',
          '      - ./templates/values.yaml.gotmpl',
          '',
        ].join('\n');
        files['bootstrap/helmfile/templates/values.yaml.gotmpl'] =
          '{{ (fromYaml (readFile (printf "../../../kubernetes/infrastructure/networking/%s/core/helmrelease.yaml" .Release.Name))).spec.values | toYaml }}\n';
      };
    const warnings = (edit: (files: Record<string, string>) => void) =>
      checksOf(edit).filter(c => c.severity === 'warning');

    it('warns that the first install waits for an address no pool can give yet', () => {
      const [warning] = warnings(
        bootstrap(['  - name: cilium', '    namespace: kube-system']),
      );
      expect(warning.message).toBe(
        "bootstrap/helmfile/apps.yaml installs these Cilium values to bootstrap a new cluster with helm waiting for what it installs (`helmDefaults.wait: true` at bootstrap/helmfile/apps.yaml:2, which release cilium inherits): Helm 3's wait (and Helm 4's --wait=legacy) lasts until each LoadBalancer Service has an address, and LB IPAM gives the clustermesh-apiserver none until a CiliumLoadBalancerIPPool is applied, which cannot be before this install (Cilium creates the pool's CRD when it starts), so with Helm 3 that first install waits out helm's timeout and fails (Helm 4's default wait, like Flux's, does not wait for the address)",
      );
      expect(warning.location?.file).toBe(exampleFile.helmRelease);
      expect(warning.remediation).toMatch(
        /^Have the bootstrap install the clustermesh-apiserver as a NodePort/,
      );
      // atomic waits too, whatever wait says
      const [atomic] = warnings(
        bootstrap([
          '  - name: cilium',
          '    namespace: kube-system',
          '    wait: false',
          '    atomic: true',
        ]),
      );
      expect(atomic.message).toContain(
        '(`atomic: true` for release cilium at bootstrap/helmfile/apps.yaml:9)',
      );
    });

    it("warns where Terraform's helm_release installs them, which waits unless told not to", () => {
      const [warning] = warnings(files => {
        files['bootstrap/terraform/cilium.tf'] = [
          'resource "helm_release" "cilium" {',
          '  name   = "cilium"',
          '  chart  = "cilium"',
          '  values = [yamlencode(yamldecode(file("${path.module}/../../kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml"))["spec"]["values"])]',
          '}',
          '',
        ].join('\n');
      });
      expect(warning.message).toMatch(
        /^bootstrap\/terraform\/cilium\.tf installs these Cilium values to bootstrap a new cluster with helm waiting for what it installs \(Terraform's `helm_release` at bootstrap\/terraform\/cilium\.tf:1, which waits unless given `wait = false`\)/,
      );
    });

    it('says MetalLB gives no address before it runs, where the cluster takes its addresses from MetalLB', () => {
      const waits = warnings(files => {
        metalLbOnlyForInfra(files);
        bootstrap(['  - name: cilium', '    namespace: kube-system'])(files);
      }).find(w => w.message.includes('helm waiting'));
      expect(waits?.message).toContain(
        'and MetalLB gives the clustermesh-apiserver none until it runs with its pools (IPAddressPool metallb-system/lan), which Flux applies after this install, so with Helm 3',
      );
    });

    it("says nothing where the release's own wait is off, or no helmfile reads the values", () => {
      expect(
        warnings(
          bootstrap([
            '  - name: cilium',
            '    namespace: kube-system',
            '    wait: false',
          ]),
        ),
      ).toEqual([]);
      expect(
        warnings(files => {
          bootstrap(['  - name: cilium', '    namespace: kube-system'])(files);
          files['bootstrap/helmfile/templates/values.yaml.gotmpl'] = '{}\n';
        }),
      ).toEqual([]);
    });
  });

  it("fails a clustermesh-apiserver scaled to nothing (replicas: 0, TheBranchDriftCatalyst's until a peer is wired up)", () => {
    const failures = exampleChecks(
      replace(
        exampleFile.helmRelease,
        '        replicas: 3\n',
        '        replicas: 0\n',
      ),
    ).filter(
      c =>
        c.ruleId === 'service-annotation' &&
        c.cluster === 'infra' &&
        c.outcome === 'fail',
    );
    expect(failures.map(c => c.message)).toEqual([
      expect.stringMatching(
        /^clustermesh\.apiserver\.replicas is 0 \(kubernetes\/infrastructure\/networking\/cilium\/core\/helmrelease\.yaml:\d+\): no clustermesh-apiserver runs behind the service/,
      ),
    ]);
  });

  it("fails a label the chart writes on the service itself given again in service.labels (doko-A's app.kubernetes.io/name: jellyfin): the Service would have it twice", () => {
    const labelled = (version: string) =>
      exampleChecks(f => {
        replace(
          exampleFile.helmRelease,
          '          type: LoadBalancer\n',
          '          type: LoadBalancer\n          labels:\n            app.kubernetes.io/name: jellyfin\n            team: web\n',
        )(f);
        if (version !== '1.18.4')
          replace(
            exampleFile.helmRelease,
            'version: 1.18.4',
            `version: ${version}`,
          )(f);
      }).filter(
        c =>
          c.ruleId === 'service-annotation' &&
          c.cluster === 'infra' &&
          c.outcome === 'fail',
      );
    expect(labelled('1.18.4').map(c => [c.message, c.location])).toEqual([
      [
        "clustermesh.apiserver.service.labels gives app.kubernetes.io/name, which the chart writes on the clustermesh-apiserver service itself: the rendered Service has it twice, which Flux's post-render refuses, and the Cilium release fails",
        { file: exampleFile.helmRelease, line: 32 },
      ],
    ]);
    // a chart before 1.17 puts no service.labels on the service
    expect(labelled('1.16.5')).toEqual([]);
  });

  it("fails a service of no class where the values leave LB IPAM to services of its classes (defaultLBServiceIPAM: none, jfroy's flatops), and passes it with one", () => {
    const off = (extra = '') =>
      replace(
        exampleFile.helmRelease,
        '    kubeProxyReplacement: true\n',
        `    kubeProxyReplacement: true\n    defaultLBServiceIPAM: none\n${extra}`,
      );
    const infra = (edit: Parameters<typeof exampleChecks>[0]) =>
      exampleChecks(edit).filter(
        c =>
          c.ruleId === 'service-annotation' &&
          c.cluster === 'infra' &&
          c.outcome === 'fail',
      );
    expect(infra(off())).toEqual([
      expect.objectContaining({
        message: `the Cilium values set defaultLBServiceIPAM: none (${exampleFile.helmRelease}:23): LB IPAM serves only LoadBalancer services of its classes (io.cilium/bgp-control-plane, io.cilium/l2-announcer), and the clustermesh-apiserver service has no loadBalancerClass, so it gets no address of the pools, whatever it asks`,
        remediation: expect.stringMatching(
          /^Set `clustermesh\.apiserver\.service\.loadBalancerClass`/,
        ),
      }),
    ]);
    expect(
      infra(f => {
        off()(f);
        replace(
          exampleFile.helmRelease,
          '          type: LoadBalancer\n',
          '          type: LoadBalancer\n          loadBalancerClass: io.cilium/l2-announcer\n',
        )(f);
      }),
    ).toEqual([]);
  });

  it('says which variable Flux replaced with nothing where the annotation is a variable no source defines (not strict), not that it is null', () => {
    const checks = exampleChecks(
      replace(
        exampleFile.helmRelease,
        'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
        'lbipam.cilium.io/ips: ${clustermeshAddress}',
      ),
      { flux: { strictSubstitution: false } },
    ).filter(
      c =>
        c.ruleId === 'service-annotation' &&
        c.cluster === 'infra' &&
        c.outcome === 'fail',
    );
    expect(checks).toEqual([
      expect.objectContaining({
        message:
          "annotation lbipam.cilium.io/ips is ${clustermeshAddress} in the Cilium values, which no source of Kustomization flux-system/cluster-infra-infrastructure defines: Flux (strict only from 2.9) substitutes an empty string, YAML's null, and the service asks for no address: it takes any of its pools', not the LB IP",
        location: { file: exampleFile.helmRelease, line: 32 },
      }),
    ]);
  });

  it("sends the owner to the Kustomization's sources where it substitutes, but not from the settings that define the variable (Bchast93's copy)", () => {
    const [check] = exampleChecks(
      replace(
        'kubernetes/clusters/infra/infrastructure.yaml',
        '      - kind: ConfigMap\n        name: cluster-settings\n',
        '',
      ),
      { flux: { strictSubstitution: false } },
    ).filter(
      c =>
        c.ruleId === 'service-annotation' &&
        c.cluster === 'infra' &&
        c.outcome === 'fail',
    );
    expect(check.remediation).toContain(
      `Kustomization flux-system/cluster-infra-infrastructure, which applies ${exampleFile.helmRelease}, defines no CILIUM_CLUSTERMESH_LB_IP in its post-build substitution: add \`{kind: ConfigMap, name: cluster-settings}\` to its \`postBuild.substituteFrom\``,
    );
  });

  it("is not evaluated where MetalLB's pools, and no Cilium pool, give the addresses: an LB IPAM annotation pins nothing there", () => {
    const withMetalLb = withMetalLbPool;
    const metalLbOnly = metalLbOnlyForInfra;
    const withoutAnnotation = (files: Record<string, string>) =>
      replace(
        exampleFile.helmRelease,
        /\n *annotations:\n *lbipam.cilium.io\/ips: .*/,
        '',
      )(files);
    for (const edit of [
      metalLbOnly,
      (f: Record<string, string>) => {
        metalLbOnly(f);
        withoutAnnotation(f);
      },
    ])
      expect(checksOf(edit)).toEqual([
        expect.objectContaining({
          outcome: 'not-evaluated',
          message:
            "the cluster's LoadBalancer addresses come from MetalLB (IPAddressPool metallb-system/lan), not from Cilium LB IPAM (no CiliumLoadBalancerIPPool is applied): how the clustermesh-apiserver service asks MetalLB for the LB IP is not checked here (MetalLB is not handled)",
        }),
      ]);
    // beside a Cilium pool, LB IPAM gives the address: the annotation counts
    const beside = checksOf(f => {
      withMetalLb(f);
      withoutAnnotation(f);
    });
    expect(beside).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        message: expect.stringMatching(/has no LB IPAM annotation/),
      }),
    ]);
  });

  it('says, in how to fix, when the Kustomization applying the values does not substitute the variable it writes', () => {
    // a substitutes through its parent's spec.patches; b's Kustomization
    // loses its postBuild
    const tree = fixtureTree('configure-own-folder-entry/repo', files => {
      files['clusters/b/flux/sync.yaml'] = files[
        'clusters/b/flux/sync.yaml'
      ].replace(/\n {2}postBuild:\n(?: {4,}.*\n)+/, '\n');
    });
    const checks = validateMesh(
      tree,
      resolveConventions({}, detectConventions(tree)),
    ).clusters.map(
      c => c.checks.find(k => k.ruleId === 'service-annotation')!.remediation,
    );
    expect(checks[0]).not.toMatch(/does not substitute/);
    expect(checks[1]).toMatch(
      /\. Kustomization flux-system\/cilium, which applies clusters\/b\/apps\/cilium\/helmrelease\.yaml, does not substitute: give it `postBuild\.substituteFrom: \[\{kind: ConfigMap, name: cluster-settings\}\]`, or write the values out/,
    );
    // no settings ConfigMap at all: naming it in a substituteFrom would
    // fail the Kustomization, so writing the values out comes first
    const bare = fixtureTree('configure-own-folder-entry/repo', files => {
      files['clusters/b/flux/sync.yaml'] = files[
        'clusters/b/flux/sync.yaml'
      ].replace(/\n {2}postBuild:\n(?: {4,}.*\n)+/, '\n');
      files['clusters/b/flux/kustomization.yaml'] = files[
        'clusters/b/flux/kustomization.yaml'
      ].replace('  - ./cluster-settings.yaml\n', '');
      delete files['clusters/b/flux/cluster-settings.yaml'];
    });
    const remedy = validateMesh(
      bare,
      resolveConventions({}, detectConventions(bare)),
    )
      .clusters.find(c => c.name === 'b')!
      .checks.find(k => k.ruleId === 'service-annotation')!.remediation;
    expect(remedy).toMatch(
      /\. Kustomization flux-system\/cilium, which applies clusters\/b\/apps\/cilium\/helmrelease\.yaml, does not substitute, and the cluster applies no ConfigMap cluster-settings: write the values out there \(as `clustermesh-dns configure` does\), or create that ConfigMap with them and then give flux-system\/cilium `postBuild\.substituteFrom/,
    );
  });

  describe('with a load balancer class', () => {
    const withClass = (value: string) =>
      replace(
        exampleFile.helmRelease,
        '          type: LoadBalancer\n',
        `          type: LoadBalancer\n          loadBalancerClass: ${value}\n`,
      );

    it('fails a class LB IPAM does not serve (another controller gives the address), whatever the annotation says', () => {
      const checks = checksOf(withClass('tailscale'));
      expect(checks).toEqual([
        expect.objectContaining({
          outcome: 'fail',
          message:
            'clustermesh.apiserver.service.loadBalancerClass is "tailscale": Cilium LB IPAM ignores a service of a class it does not serve (it serves none, io.cilium/bgp-control-plane, io.cilium/l2-announcer), so the service does not get the LB IP from it, whatever its annotation says',
          location: { file: exampleFile.helmRelease, line: 31 },
          remediation: expect.stringContaining(
            'Remove `clustermesh.apiserver.service.loadBalancerClass`',
          ),
        }),
      ]);
    });

    it('passes a class LB IPAM serves', () => {
      for (const served of [
        'io.cilium/l2-announcer',
        'io.cilium/bgp-control-plane',
      ])
        expect(checksOf(withClass(served))).toEqual([
          expect.objectContaining({ outcome: 'pass' }),
        ]);
    });

    it('is not evaluated when the class holds a value not known here, or a variable nothing defines', () => {
      const unknownDomain = { values: {} };
      expect(
        exampleChecks(
          withClass('lb.${SECRET_DOMAIN}/class'),
          unknownDomain,
        ).filter(
          c => c.ruleId === 'service-annotation' && c.cluster === 'infra',
        ),
      ).toEqual([
        expect.objectContaining({
          outcome: 'not-evaluated',
          message:
            'clustermesh.apiserver.service.loadBalancerClass is "lb.<secret:SECRET_DOMAIN>/class", not known here: whether Cilium LB IPAM serves the service is not known',
        }),
      ]);
      expect(checksOf(withClass('${LB_CLASS_UNDEFINED}'))).toEqual([
        expect.objectContaining({ outcome: 'not-evaluated' }),
      ]);
    });
  });

  it('says once that a NodePort service asks no address: one finding for the service, not one per field', () => {
    const checks = checksOf(
      replace(
        exampleFile.helmRelease,
        '          type: LoadBalancer\n          annotations:\n            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n',
        '          type: NodePort\n',
      ),
    );
    expect(checks.map(c => [c.outcome, c.message, c.location])).toEqual([
      [
        'fail',
        'clustermesh.apiserver.service.type is "NodePort", not "LoadBalancer", and the service has no LB IPAM annotation (lbipam.cilium.io/ips or io.cilium/lb-ipam-ips) nor loadBalancerIP',
        { file: exampleFile.helmRelease, line: 30 },
      ],
    ]);
  });

  it('takes the service’s loadBalancerIP, which LB IPAM honours, where there is no annotation', () => {
    const checks = checksOf(
      replace(
        exampleFile.helmRelease,
        '          annotations:\n            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n',
        '          loadBalancerIP: ${CILIUM_CLUSTERMESH_LB_IP}\n',
      ),
    );
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'pass',
        message:
          'clustermesh-apiserver is a LoadBalancer with clustermesh.apiserver.service.loadBalancerIP: 10.25.11.100',
        location: { file: exampleFile.helmRelease, line: 31 },
      }),
    ]);
  });

  it('fails a missing annotation though the cluster pulls a remote base elsewhere: that base only adds objects, it cannot change the Cilium values read', () => {
    const checks = checksOf(f => {
      replace(
        exampleFile.helmRelease,
        '          annotations:\n            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n',
        '',
      )(f);
      // no settings object found either: what adds objects may add that one,
      // not change the Cilium values
      f['kubernetes/clusters/infra/vars/kustomization.yaml'] =
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n';
      f['kubernetes/clusters/infra/kustomization.yaml'] +=
        '  - https://github.com/kubernetes-sigs/container-object-storage-interface//?ref=v0.2.2\n';
    });
    expect(checks.map(c => [c.outcome, c.message])).toEqual([
      [
        'fail',
        expect.stringMatching(
          /^clustermesh.apiserver.service has no LB IPAM annotation/,
        ),
      ],
    ]);
  });

  it('fails a missing annotation beside a dashboard ConfigMap built from a URL, which nothing reads; not evaluated when the Cilium values come from such a ConfigMap', () => {
    const core =
      'kubernetes/infrastructure/networking/cilium/core/kustomization.yaml';
    const withGenerated = (name: string, valuesFrom: boolean) =>
      checksOf(f => {
        replace(
          exampleFile.helmRelease,
          '          annotations:\n            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n',
          '',
        )(f);
        f[
          core
        ] += `configMapGenerator:\n  - name: ${name}\n    files:\n      - https://raw.githubusercontent.com/example/charts/main/${name}.yaml\n    options:\n      disableNameSuffixHash: true\n`;
        if (valuesFrom)
          replace(
            exampleFile.helmRelease,
            '  values:\n',
            `  valuesFrom:\n    - kind: ConfigMap\n      name: ${name}\n  values:\n`,
          )(f);
      });
    // the generator's key not fetched can only be the dashboard's data
    expect(withGenerated('db-dashboard', false)).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        message: expect.stringMatching(
          /^clustermesh.apiserver.service has no LB IPAM annotation \(lbipam/,
        ),
      }),
    ]);
    expect(
      withGenerated('cilium-values', true).map(c => [c.outcome, c.message]),
    ).toEqual([
      [
        'not-evaluated',
        expect.stringMatching(
          /may provide it: the ConfigMap generator cilium-values reads https:/,
        ),
      ],
    ]);
  });

  it('passes without the annotation when a pool of the LB IP alone gives it only to the clustermesh-apiserver', () => {
    const withoutAnnotation = replace(
      exampleFile.helmRelease,
      '          annotations:\n            lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}\n',
      '',
    );
    const pinned = (selector: string) => (f: Record<string, string>) => {
      withoutAnnotation(f);
      // the cluster's pool keeps out of it
      f[exampleFile.pool('infra')] = f[exampleFile.pool('infra')].replace(
        'start: 10.25.11.100',
        'start: 10.25.11.101',
      );
      f[exampleFile.pool('infra')] += `---
apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata:
  name: clustermesh
spec:
  blocks:
    - start: 10.25.11.100
${selector}`;
    };
    expect(
      checksOf(
        pinned(
          '  serviceSelector:\n    matchLabels:\n      k8s-app: clustermesh-apiserver\n',
        ),
      ).map(c => [c.outcome, c.message]),
    ).toEqual([
      [
        'pass',
        expect.stringMatching(
          /^clustermesh-apiserver is a LoadBalancer without an LB IPAM annotation, but pool "clustermesh" holds only the LB IP 10.25.11.100 and gives it only to services its serviceSelector takes, the clustermesh-apiserver among them \(.+:\d+\)$/,
        ),
      ],
    ]);
    // a pool for every service does not keep the address for the apiserver,
    // nor one whose address another pool holds too
    expect(checksOf(pinned('')).map(c => c.outcome)).toEqual(['fail']);
    expect(
      checksOf(f => {
        pinned(
          '  serviceSelector:\n    matchLabels:\n      k8s-app: clustermesh-apiserver\n',
        )(f);
        f[exampleFile.pool('infra')] = f[exampleFile.pool('infra')].replace(
          'start: 10.25.11.101',
          'start: 10.25.11.100',
        );
      }).map(c => c.outcome),
    ).toEqual(['fail']);
  });

  it('fails an annotation and a loadBalancerIP that disagree', () => {
    const checks = checksOf(
      replace(
        exampleFile.helmRelease,
        '          annotations:\n',
        '          loadBalancerIP: 10.25.11.7\n          annotations:\n',
      ),
    );
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        message:
          'annotation lbipam.cilium.io/ips is "10.25.11.100" but clustermesh.apiserver.service.loadBalancerIP is "10.25.11.7": the service asks LB IPAM for two addresses',
        location: { file: exampleFile.helmRelease, line: 31 },
      }),
    ]);
  });

  it('fails lbipam.cilium.io/ips on a Cilium before 1.15, whose LB IPAM reads only io.cilium/lb-ipam-ips', () => {
    const oldChart = (key: string) =>
      exampleChecks(files => {
        replace(
          exampleFile.helmRelease,
          'version: 1.18.4',
          'version: 1.14.3',
        )(files);
        if (key !== 'lbipam.cilium.io/ips')
          replace(exampleFile.helmRelease, 'lbipam.cilium.io/ips', key)(files);
      }).find(c => c.ruleId === 'service-annotation' && c.cluster === 'infra')!;
    const failing = oldChart('lbipam.cilium.io/ips');
    expect(failing).toMatchObject({
      outcome: 'fail',
      message: `annotation lbipam.cilium.io/ips is read from Cilium 1.15, and the chart is 1.14.3 (${exampleFile.helmRelease}:13), whose LB IPAM reads only io.cilium/lb-ipam-ips: the service gets any address of its pools`,
    });
    expect(failing.remediation).toMatch(
      /^Write the annotation as `io.cilium\/lb-ipam-ips`/,
    );
    expect(oldChart('io.cilium/lb-ipam-ips').outcome).toBe('pass');
  });

  it('fails on a Cilium before 1.13, which has no LB IPAM at all', () => {
    const result = exampleChecks(
      replace(exampleFile.helmRelease, 'version: 1.18.4', 'version: 1.12.0'),
    ).filter(c => c.ruleId === 'service-annotation' && c.cluster === 'infra');
    expect(result).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        message: `the chart is Cilium 1.12.0 (${exampleFile.helmRelease}:13), which has no LB IPAM (it came in 1.13): no pool gives the clustermesh-apiserver an address, whatever its annotation says, and the cluster knows no CiliumLoadBalancerIPPool kind`,
        remediation: expect.stringMatching(/^Upgrade Cilium to 1\.13 or later/),
      }),
    ]);
  });

  it("is not evaluated where a cloud provider's controller of LoadBalancer services runs beside LB IPAM and the service has no class", () => {
    const withAwsController = (f: Record<string, string>) => {
      f['kubernetes/clusters/infra/kustomization.yaml'] +=
        '  - aws-load-balancer-controller.yaml\n';
      f['kubernetes/clusters/infra/aws-load-balancer-controller.yaml'] = [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: aws-load-balancer-controller, namespace: kube-system}',
        'spec:',
        '  interval: 1h',
        '  chart: {spec: {chart: aws-load-balancer-controller, version: 1.8.1, sourceRef: {kind: HelmRepository, name: eks}}}',
        '  values: {clusterName: infra}',
        '',
      ].join('\n');
    };
    const infra = (edit: (f: Record<string, string>) => void) =>
      exampleChecks(edit).filter(
        c => c.ruleId === 'service-annotation' && c.cluster === 'infra',
      );
    expect(infra(withAwsController)).toEqual([
      expect.objectContaining({
        outcome: 'not-evaluated',
        message:
          "the cluster runs HelmRelease kube-system/aws-load-balancer-controller (kubernetes/clusters/infra/aws-load-balancer-controller.yaml:1), a cloud provider's controller of LoadBalancer services, and clustermesh.apiserver.service sets no loadBalancerClass: from v2.5 its webhook gives every LoadBalancer service without a class its own (service.k8s.aws/nlb), which LB IPAM ignores, unless its values set enableServiceMutatorWebhook: false; whether Cilium LB IPAM gives it the LB IP is not known here (set clustermesh.apiserver.service.loadBalancerClass to io.cilium/l2-announcer, which LB IPAM serves and that controller leaves alone)",
      }),
    ]);
    // the class of the announcer the values switch on is the one named; of
    // both where none is on
    expect(
      infra(f => {
        withAwsController(f);
        replace(
          exampleFile.helmRelease,
          '    l2announcements:\n      enabled: true\n',
          '',
        )(f);
      }).find(c => c.outcome === 'not-evaluated')?.message,
    ).toContain(
      'set clustermesh.apiserver.service.loadBalancerClass to io.cilium/bgp-control-plane or io.cilium/l2-announcer,',
    );
    // a service of another type fails, and no controller of LoadBalancer
    // services takes it: nothing more is said (amsc's NodePort)
    /** The controller beside the service's `type: LoadBalancer` line written as `line`. */
    const typeLine = (line: string) =>
      infra(f => {
        withAwsController(f);
        replace(
          exampleFile.helmRelease,
          '          type: LoadBalancer\n',
          line,
        )(f);
      }).map(c => c.outcome);
    expect(typeLine('')).toEqual(['fail']);
    // a class LB IPAM serves: the other controller leaves the service alone
    expect(
      typeLine(
        '          type: LoadBalancer\n          loadBalancerClass: io.cilium/l2-announcer\n',
      ),
    ).toEqual(['pass']);
  });

  it('is not evaluated on a managed cloud the Cilium values name (gke.enabled), whose built-in controller no manifest deploys, and configure says so for a cluster without a pool', () => {
    const onGke = replace(
      exampleFile.helmRelease,
      '    kubeProxyReplacement: true\n',
      '    kubeProxyReplacement: true\n    gke:\n      enabled: true\n',
    );
    const checks = exampleChecks(onGke).filter(
      c => c.ruleId === 'service-annotation' && c.cluster === 'infra',
    );
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'not-evaluated',
        message: expect.stringMatching(
          /^the cluster runs GKE's own load balancer controller \(its Cilium values set gke\.enabled: true at kubernetes\/infrastructure\/networking\/cilium\/core\/helmrelease\.yaml:\d+\), a cloud provider's controller of LoadBalancer services, and clustermesh\.apiserver\.service sets no loadBalancerClass: it gives the service a cloud load balancer of its own;/,
        ),
      }),
    ]);
  });
});
