import {
  describeRule,
  exampleChecks,
  exampleFile,
  replace,
} from '../__testUtils__/rules';
import { lbIpUnique } from './lb-ip-unique';

describe('lb-ip-unique', () => {
  describeRule(lbIpUnique, {
    edit: replace(
      exampleFile.settings('apps'),
      '"10.25.11.120"',
      '"10.25.11.100"',
    ),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.settings('apps')}:15`,
      message: /LB IP 10.25.11.100 is shared by apps, infra/,
    },
  });

  it('fails an LB IP that another Service or Gateway of the cluster asks LB IPAM for', () => {
    const withGateway = (f: Record<string, string>) => {
      f['kubernetes/clusters/infra/kustomization.yaml'] +=
        '  - gateway.yaml\n  - ingress.yaml\n';
      f['kubernetes/clusters/infra/gateway.yaml'] = [
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: Gateway',
        'metadata: {name: external, namespace: network}',
        'spec:',
        '  gatewayClassName: cilium',
        '  addresses: [{type: IPAddress, value: 10.25.11.100}]',
        '  listeners: [{name: https, protocol: HTTPS, port: 443}]',
        '',
      ].join('\n');
      // another address is no conflict
      f['kubernetes/clusters/infra/ingress.yaml'] =
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress\n  namespace: network\n  annotations: {lbipam.cilium.io/ips: "10.25.11.101"}\nspec: {type: LoadBalancer}\n';
    };
    const failures = exampleChecks(withGateway).filter(
      c => c.ruleId === 'lb-ip-unique' && c.outcome === 'fail',
    );
    expect(failures.map(c => [c.cluster, c.message])).toEqual([
      [
        'infra',
        'LB IP 10.25.11.100 is also asked for by Gateway network/external of the same cluster (kubernetes/clusters/infra/gateway.yaml:6): LB IPAM gives it to one of them only',
      ],
    ]);
  });

  it("passes an LB IP another Service shares by design: one LB IPAM sharing key, across namespaces where both allow it (chrishrb's)", () => {
    const sharing = (apiserver: string, service: string) =>
      exampleChecks(f => {
        replace(
          exampleFile.helmRelease,
          'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
          `lbipam.cilium.io/ips: \${CILIUM_CLUSTERMESH_LB_IP}\n${apiserver}`,
        )(f);
        f['kubernetes/clusters/infra/kustomization.yaml'] +=
          '  - ingress.yaml\n';
        f['kubernetes/clusters/infra/ingress.yaml'] = [
          'apiVersion: v1',
          'kind: Service',
          'metadata:',
          '  name: ingress',
          '  namespace: network',
          '  annotations:',
          '    lbipam.cilium.io/ips: "10.25.11.100"',
          service,
          'spec: {type: LoadBalancer}',
          '',
        ].join('\n');
      })
        .filter(c => c.ruleId === 'lb-ip-unique')
        .map(c => c.outcome);
    const key = (indent: string) =>
      `${indent}lbipam.cilium.io/sharing-key: default\n${indent}lbipam.cilium.io/sharing-cross-namespace: "*"`;
    expect(sharing(key('            '), key('    '))).toEqual(['pass']);
    // another key, or none on the clustermesh-apiserver: taken
    expect(
      sharing('            lbipam.cilium.io/sharing-key: mesh', key('    ')),
    ).toEqual(['fail']);
    expect(sharing('', key('    '))).toEqual(['fail']);
    // across namespaces, each must allow the other's
    expect(
      sharing('            lbipam.cilium.io/sharing-key: default', key('    ')),
    ).toEqual(['fail']);
  });

  it('is not evaluated where another Service asks for an address kept in SOPS that may be an LB IP, and passes where SOPS says its length differs', () => {
    /** Both clusters' ingress asks for SVC_INGRESS_ADDR, from infra's SOPS Secret of `bytes` characters. */
    const secretIngress =
      (bytes: number, withSecret = ['infra']) =>
      (f: Record<string, string>) => {
        const networking = 'kubernetes/infrastructure/networking';
        f[`${networking}/kustomization.yaml`] += '  - ingress.yaml\n';
        f[`${networking}/ingress.yaml`] =
          'apiVersion: v1\nkind: Service\nmetadata:\n  name: ingress\n  namespace: network\n  annotations: {lbipam.cilium.io/ips: "${SVC_INGRESS_ADDR:=10.25.11.130}"}\nspec: {type: LoadBalancer}\n';
        // base64 of `bytes` bytes, as SOPS writes it
        const data = Buffer.alloc(bytes).toString('base64');
        for (const c of withSecret) {
          const secrets = `kubernetes/clusters/${c}/cluster-secrets.sops.yaml`;
          f[secrets] = f[secrets].replace(
            'stringData:\n',
            `stringData:\n  SVC_INGRESS_ADDR: ENC[AES256_GCM,data:${data},iv:aXY=,tag:dGFn,type:str]\n`,
          );
        }
      };
    const outcome = (bytes: number, withSecret?: string[]) =>
      exampleChecks(secretIngress(bytes, withSecret))
        .filter(c => c.ruleId === 'lb-ip-unique')
        .map(c => [c.cluster, c.outcome, c.message, c.location]);
    // as long as 10.25.11.100: it may be that address
    expect(outcome(12)).toEqual([
      [
        'infra',
        'not-evaluated',
        "2 LB IPs set, no two the same, but Service network/ingress (kubernetes/infrastructure/networking/ingress.yaml:6) asks LB IPAM for an address kept secret (<secret:SVC_INGRESS_ADDR>), not known here: whether it is infra's LB IP 10.25.11.100 cannot be told",
        { file: 'kubernetes/infrastructure/networking/ingress.yaml', line: 6 },
      ],
    ]);
    // the same Service asking twice (its annotation and loadBalancerIP,
    // BlauerFasan's unifi): one request, its lines together
    const twice = exampleChecks(f => {
      secretIngress(12)(f);
      const ingress = 'kubernetes/infrastructure/networking/ingress.yaml';
      f[ingress] = f[ingress].replace(
        'spec: {type: LoadBalancer}\n',
        'spec:\n  type: LoadBalancer\n  loadBalancerIP: "${SVC_INGRESS_ADDR:=10.25.11.130}"\n',
      );
    }).find(c => c.ruleId === 'lb-ip-unique');
    expect(twice?.message).toBe(
      "2 LB IPs set, no two the same, but Service network/ingress (kubernetes/infrastructure/networking/ingress.yaml:6, :9) asks LB IPAM for an address kept secret (<secret:SVC_INGRESS_ADDR>), not known here: whether it is infra's LB IP 10.25.11.100 cannot be told",
    );
    // each cluster's own, as long as its LB IP: each said
    expect(
      outcome(12, ['infra', 'apps']).map(([cluster, result]) => [
        cluster,
        result,
      ]),
    ).toEqual([
      ['apps', 'not-evaluated'],
      ['infra', 'not-evaluated'],
    ]);
    // of another length: not that address (apps' ingress takes the default)
    expect(outcome(11)).toEqual([
      [
        undefined,
        'pass',
        '2 LB IPs set, no two the same; 1 address other objects ask LB IPAM for from a secret is of another length (SOPS keeps it) or family (IPv6, by its written `:`) than the LB IP it could be',
        undefined,
      ],
    ]);
    // an IPv6 address by its written part (frantathefranta's
    // `${CLUSTER_LBA_V6_PREFIX}:70`), beside an IPv4 one written out: never
    // an IPv4 LB IP, whatever its length
    const v6 = exampleChecks(f => {
      secretIngress(12)(f);
      const ingress = 'kubernetes/infrastructure/networking/ingress.yaml';
      f[ingress] = f[ingress].replace(
        '"${SVC_INGRESS_ADDR:=10.25.11.130}"',
        '"10.25.11.131,${SVC_INGRESS_ADDR}:70"',
      );
    }).filter(c => c.ruleId === 'lb-ip-unique');
    expect(v6.map(c => [c.outcome, c.message])).toEqual([
      [
        'pass',
        expect.stringContaining(
          '1 address other objects ask LB IPAM for from a secret is of another length',
        ),
      ],
    ]);
  });

  it("fails an LB IP that another member's Service asks for from a pool of its own (overlapping pools), not one its pools cannot give", () => {
    const apps = (overlap: boolean) => (f: Record<string, string>) => {
      f['kubernetes/clusters/apps/kustomization.yaml'] += '  - mail.yaml\n';
      f['kubernetes/clusters/apps/mail.yaml'] =
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: mail\n  namespace: default\n  annotations: {lbipam.cilium.io/ips: "10.25.11.100"}\nspec: {type: LoadBalancer}\n';
      if (overlap)
        replace(
          exampleFile.pool('apps'),
          '      stop: 10.25.11.139\n',
          '      stop: 10.25.11.139\n    - cidr: 10.25.11.100/30\n',
        )(f);
    };
    const failures = (overlap: boolean) =>
      exampleChecks(apps(overlap))
        .filter(c => c.ruleId === 'lb-ip-unique' && c.outcome === 'fail')
        .map(c => [c.cluster, c.message, c.location]);
    expect(failures(true)).toEqual([
      [
        'infra',
        "LB IP 10.25.11.100 is also asked for by Service default/mail of apps (kubernetes/clusters/apps/mail.yaml:6), whose pool holds it: where apps gets it, apps's Cilium answers that address itself and never reaches this cluster's API server",
        { file: exampleFile.settings('infra'), line: 15 },
      ],
    ]);
    // apps' pools cannot give it: the Service stays pending, no conflict
    expect(failures(false)).toEqual([]);
  });

  it("fails an LB IP that a custom resource asks for the Service it makes (a gateway's parameters)", () => {
    const failures = exampleChecks(f => {
      f['kubernetes/clusters/infra/kustomization.yaml'] +=
        '  - gateway-parameters.yaml\n';
      f['kubernetes/clusters/infra/gateway-parameters.yaml'] = [
        'apiVersion: gateway.kgateway.dev/v1alpha1',
        'kind: GatewayParameters',
        'metadata: {name: public, namespace: kgateway-system}',
        'spec:',
        '  kube:',
        '    service:',
        '      type: LoadBalancer',
        '      extraAnnotations:',
        '        lbipam.cilium.io/ips: 10.25.11.100',
        '',
      ].join('\n');
    }).filter(c => c.ruleId === 'lb-ip-unique' && c.outcome === 'fail');
    expect(failures.map(c => [c.cluster, c.message])).toEqual([
      [
        'infra',
        'LB IP 10.25.11.100 is also asked for by GatewayParameters kgateway-system/public of the same cluster (kubernetes/clusters/infra/gateway-parameters.yaml:9): LB IPAM gives it to one of them only',
      ],
    ]);
  });

  it('fails an LB IP that a patch asks for a Service of a remote resource (not fetched, but the patch sets it whatever the rest is)', () => {
    const failures = exampleChecks(f => {
      f['kubernetes/clusters/infra/kustomization.yaml'] += '  - shortlinks\n';
      f['kubernetes/clusters/infra/shortlinks/kustomization.yaml'] = [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'namespace: shortlinks',
        'resources:',
        '  - https://example.com/shortlinks/releases/v1.2.0/install.yaml',
        'patches:',
        '  - path: service-patch.yaml',
        '',
      ].join('\n');
      f['kubernetes/clusters/infra/shortlinks/service-patch.yaml'] = [
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        '  name: shortlinks',
        '  annotations:',
        '    lbipam.cilium.io/ips: "10.25.11.100"',
        'spec:',
        '  type: LoadBalancer',
        '',
      ].join('\n');
    }).filter(c => c.ruleId === 'lb-ip-unique' && c.outcome === 'fail');
    expect(failures.map(c => [c.cluster, c.message])).toEqual([
      [
        'infra',
        'LB IP 10.25.11.100 is also asked for by Service shortlinks (of a remote resource, as a patch of it sets) of the same cluster (kubernetes/clusters/infra/shortlinks/service-patch.yaml:6): LB IPAM gives it to one of them only',
      ],
    ]);
  });

  it("fails an LB IP that a HelmRelease's values ask for a Service of its chart, not one in a block switched off", () => {
    const withCharts = (f: Record<string, string>) => {
      f['kubernetes/clusters/infra/kustomization.yaml'] +=
        '  - plex.yaml\n  - blocky.yaml\n';
      f['kubernetes/clusters/infra/plex.yaml'] = [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: plex, namespace: media}',
        'spec:',
        '  interval: 1h',
        '  chart: {spec: {chart: app-template, sourceRef: {kind: HelmRepository, name: bjw-s}}}',
        '  values:',
        '    service:',
        '      app:',
        '        type: LoadBalancer',
        '        annotations:',
        '          lbipam.cilium.io/ips: 10.25.11.100',
        '',
      ].join('\n');
      // switched off: asks for nothing; another address: no conflict
      f['kubernetes/clusters/infra/blocky.yaml'] = [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: blocky, namespace: network}',
        'spec:',
        '  interval: 1h',
        '  chart: {spec: {chart: blocky, sourceRef: {kind: HelmRepository, name: blocky}}}',
        '  values:',
        '    service:',
        '      dns: {enabled: false, type: LoadBalancer, loadBalancerIP: 10.25.11.100}',
        '      web: {type: LoadBalancer, loadBalancerIP: 10.25.11.102}',
        '',
      ].join('\n');
    };
    const failures = exampleChecks(withCharts).filter(
      c => c.ruleId === 'lb-ip-unique' && c.outcome === 'fail',
    );
    expect(failures.map(c => [c.cluster, c.message])).toEqual([
      [
        'infra',
        'LB IP 10.25.11.100 is also asked for by HelmRelease media/plex (a Service of its chart: service.app.annotations.lbipam.cilium.io/ips) of the same cluster (kubernetes/clusters/infra/plex.yaml:12): LB IPAM gives it to one of them only',
      ],
    ]);
    // the cluster's own address in the Cilium values is not another claim
    expect(exampleChecks().filter(c => c.ruleId === 'lb-ip-unique')).toEqual([
      expect.objectContaining({ outcome: 'pass' }),
    ]);
    // values a generated ConfigMap gives through valuesFrom (astroterm's
    // mc-router values.yaml): the same claim
    const fromValuesFrom = exampleChecks(f => {
      f['kubernetes/clusters/infra/kustomization.yaml'] += '  - router\n';
      f['kubernetes/clusters/infra/router/kustomization.yaml'] = [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources: [helmrelease.yaml]',
        'configMapGenerator:',
        '  - name: router-values',
        '    namespace: games',
        '    files: [values.yaml=values.yaml]',
        'generatorOptions: {disableNameSuffixHash: true}',
        '',
      ].join('\n');
      f['kubernetes/clusters/infra/router/helmrelease.yaml'] = [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: router, namespace: games}',
        'spec:',
        '  interval: 1h',
        '  chart: {spec: {chart: mc-router, sourceRef: {kind: HelmRepository, name: itzg}}}',
        '  valuesFrom:',
        '    - {kind: ConfigMap, name: router-values}',
        '',
      ].join('\n');
      f['kubernetes/clusters/infra/router/values.yaml'] =
        'services:\n  minecraft:\n    type: LoadBalancer\n    annotations:\n      lbipam.cilium.io/ips: 10.25.11.100\n';
    }).filter(c => c.ruleId === 'lb-ip-unique' && c.outcome === 'fail');
    expect(fromValuesFrom.map(c => c.message)).toEqual([
      'LB IP 10.25.11.100 is also asked for by HelmRelease games/router (a Service of its chart: services.minecraft.annotations.lbipam.cilium.io/ips, from its valuesFrom) of the same cluster (kubernetes/clusters/infra/router/helmrelease.yaml:7): LB IPAM gives it to one of them only',
    ]);
  });

  it('does not pass when no cluster sets an LB IP: nothing was compared', () => {
    const checks = exampleChecks(files => {
      for (const c of ['infra', 'apps'])
        replace(
          exampleFile.settings(c),
          /\n {2}CILIUM_CLUSTERMESH_LB_IP: .*/,
          '',
        )(files);
    });
    expect(checks.find(c => c.ruleId === 'lb-ip-unique')).toMatchObject({
      outcome: 'not-evaluated',
      message: 'no LB IP is set yet',
    });
  });

  it('cannot tell when an LB IP comes from a secret', () => {
    const checks = exampleChecks(files => {
      replace(
        exampleFile.settings('apps'),
        '"10.25.11.120"',
        '"${APPS_IP}"',
      )(files);
      replace(
        'kubernetes/clusters/apps/cluster-secrets.sops.yaml',
        '  SECRET_DOMAIN:',
        '  APPS_IP: ENC[AES256_GCM,data:AAAA,type:str]\n  SECRET_DOMAIN:',
      )(files);
    });
    expect(checks.find(c => c.ruleId === 'lb-ip-unique')).toMatchObject({
      outcome: 'not-evaluated',
      message:
        'the LB IP of apps comes from APPS_IP, not known here: whether all LB IPs differ cannot be told',
    });
  });

  it("fails an LB IP that is the API server's address the Cilium values name (FrankelJb's k8sServiceHost)", () => {
    const withHost = (host: string) =>
      exampleChecks(
        replace(
          exampleFile.helmRelease,
          '    kubeProxyReplacement: true\n',
          `    kubeProxyReplacement: true\n    k8sServiceHost: ${host}\n`,
        ),
      ).filter(c => c.ruleId === 'lb-ip-unique' && c.outcome === 'fail');
    // shared values: each cluster whose LB IP it is
    expect(withHost('10.25.11.100')).toEqual([
      expect.objectContaining({
        cluster: 'infra',
        severity: 'error',
        message: expect.stringMatching(
          /^LB IP 10\.25\.11\.100 is the Kubernetes API server's address its Cilium values name \(k8sServiceHost at kubernetes\/infrastructure\/networking\/cilium\/core\/helmrelease\.yaml:\d+\): LB IPAM would give the clustermesh-apiserver an address the API server answers$/,
        ),
        location: expect.objectContaining({
          file: exampleFile.settings('infra'),
        }),
      }),
    ]);
    expect(withHost('10.25.11.9')).toEqual([]);
  });

  it("warns when the LB IP is an address the repository's Talos configuration gives a machine (siggerzz's VIP and gateway)", () => {
    const talos = (vip: string) =>
      exampleChecks(files => {
        files['kubernetes/bootstrap/talos/talconfig.yaml'] = [
          'clusterName: home',
          'endpoint: https://10.25.11.9:6443',
          'nodes:',
          '  - hostname: k8s-1',
          '    ipAddress: 10.25.11.11',
          '    networkInterfaces:',
          '      - interface: eth0',
          '        addresses: [10.25.11.11/24]',
          '        routes:',
          '          - network: 0.0.0.0/0',
          '            gateway: 10.25.11.1',
          '        vip:',
          `          ip: ${vip}`,
          '',
        ].join('\n');
      }).filter(c => c.ruleId === 'lb-ip-unique');
    expect(talos('10.25.11.100')).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        severity: 'warning',
        cluster: 'infra',
        message:
          "LB IP 10.25.11.100 is also the API server VIP in kubernetes/bootstrap/talos/talconfig.yaml:13 (Talos cluster home): where that is this cluster's network, LB IPAM gives the clustermesh-apiserver an address a machine already answers",
        location: expect.objectContaining({
          file: exampleFile.settings('infra'),
        }),
      }),
    ]);
    // another VIP: no machine has an LB IP
    expect(talos('10.25.11.10').map(c => c.outcome)).toEqual(['pass']);
  });

  it("names the cluster's own Talos file where a copied folder's says the same address (dapperdivers' dr, copied from main)", () => {
    const talconfig = (name: string) =>
      `clusterName: ${name}\nendpoint: https://10.25.11.9:6443\nnodes:\n  - hostname: k8s-1\n    ipAddress: 10.25.11.100\n`;
    const [check] = exampleChecks(files => {
      // the copy sorts first
      files['kubernetes/apps/bootstrap/talos/talconfig.yaml'] =
        talconfig('apps');
      files['kubernetes/infra/bootstrap/talos/talconfig.yaml'] =
        talconfig('infra');
    }).filter(c => c.ruleId === 'lb-ip-unique' && c.outcome === 'fail');
    // its own configuration: an error, the address surely taken
    expect(check).toMatchObject({
      cluster: 'infra',
      severity: 'error',
      message:
        'LB IP 10.25.11.100 is also the address of node k8s-1 in kubernetes/infra/bootstrap/talos/talconfig.yaml:5 (Talos cluster infra), the configuration of this cluster: LB IPAM gives the clustermesh-apiserver an address a machine already answers',
    });
  });

  it("warns when the LB IP is a host's address in the repository's Ansible inventory (ModestTG's nodes in the pool's subnet)", () => {
    const ansible = (host: string) =>
      exampleChecks(files => {
        files['ansible/inventory/hosts.yaml'] = [
          'kubernetes:',
          '  children:',
          '    master:',
          '      hosts:',
          '        k8s-0:',
          `          ansible_host: ${host}`,
          '',
        ].join('\n');
      }).filter(c => c.ruleId === 'lb-ip-unique');
    expect(ansible('10.25.11.100')).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        severity: 'warning',
        cluster: 'infra',
        message:
          "LB IP 10.25.11.100 is also the address of Ansible host k8s-0 in ansible/inventory/hosts.yaml:6: where that is this cluster's network, LB IPAM gives the clustermesh-apiserver an address a machine already answers",
        // a machine's address, not another Service's (NontQ)
        remediation: expect.stringMatching(
          /^Give the cluster an address of its pool that no machine, API server, Service or Gateway already has/,
        ),
      }),
    ]);
    expect(ansible('10.25.11.10').map(c => c.outcome)).toEqual(['pass']);
  });

  it("warns when the LB IP is also the value of another setting the repository uses (the API server's VIP), not one only the ClusterMesh files name", () => {
    const withVip = (use: (files: Record<string, string>) => void) =>
      exampleChecks(files => {
        replace(
          exampleFile.settings('infra'),
          '  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.100"\n',
          '  CILIUM_CLUSTERMESH_LB_IP: "10.25.11.100"\n  KUBE_VIP_ADDR: "10.25.11.100"\n',
        )(files);
        use(files);
      }).filter(c => c.ruleId === 'lb-ip-unique');
    // a Talos config the bootstrap templates reads it: another address
    const used = withVip(files => {
      files['talos/talconfig.yaml'] =
        'endpoint: https://${KUBE_VIP_ADDR}:6443\n';
    });
    expect(used).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        severity: 'warning',
        cluster: 'infra',
        message:
          'LB IP 10.25.11.100 is also the value of KUBE_VIP_ADDR in the settings, which names another address of the cluster (not the clustermesh-apiserver service): if that address is taken (an API server VIP, a gateway), LB IPAM gives the service an address that something else answers',
        location: expect.objectContaining({
          file: exampleFile.settings('infra'),
        }),
      }),
    ]);
    // used nowhere, or by the Cilium values themselves: the same address said twice
    expect(withVip(() => {})).toEqual([
      expect.objectContaining({ outcome: 'pass' }),
    ]);
    // used nowhere by name, but named for the API server and written out
    // by another file (ZeroEcks': the control plane's endpoints)
    const endpoints = (address: string) => (files: Record<string, string>) => {
      files[
        'kubernetes/apps/observability/kube-prometheus-stack.yaml'
      ] = `kubeControllerManager:\n  endpoints:\n    - ${address}\n`;
    };
    expect(withVip(endpoints('10.25.11.100'))).toEqual([
      expect.objectContaining({ outcome: 'fail', severity: 'warning' }),
    ]);
    // another address that begins alike is not it
    expect(withVip(endpoints('10.25.11.1000')).map(c => c.outcome)).toEqual([
      'pass',
    ]);
    expect(
      withVip(
        replace(
          exampleFile.helmRelease,
          'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
          'lbipam.cilium.io/ips: ${KUBE_VIP_ADDR}',
        ),
      ).map(c => c.outcome),
    ).not.toContain('fail');
  });
});
