import { templatesOf, valuesFqdnTemplate } from './fqdnTemplate';

describe('templatesOf', () => {
  it('makes each whole-part occurrence of the cluster {cluster}', () => {
    expect(templatesOf('clustermesh-infra.${SECRET_DOMAIN}', 'infra')).toEqual([
      'clustermesh-{cluster}.${SECRET_DOMAIN}',
    ]);
    expect(templatesOf('mesh.mesh.example.net', 'mesh')).toEqual([
      '{cluster}.mesh.example.net',
      'mesh.{cluster}.example.net',
    ]);
    expect(templatesOf('a', 'a')).toEqual(['{cluster}']);
  });

  it('does not take the name inside another word', () => {
    expect(templatesOf('cluster-vars.example.net', 'a')).toEqual([]);
    expect(templatesOf('prodx.example.net', 'prod')).toEqual([]);
    expect(templatesOf('xprod.example.net', 'prod')).toEqual([]);
    expect(templatesOf('anything', '')).toEqual([]);
  });
});

describe('templatesOf with a folder name in capitals', () => {
  it('finds the name lower-case, as the FQDN holds it', () => {
    expect(templatesOf('clustermesh-data.${SECRET_DOMAIN}', 'Data')).toEqual([
      'clustermesh-{cluster}.${SECRET_DOMAIN}',
    ]);
    expect(templatesOf('clustermesh-Data.example.net', 'Data')).toEqual([]);
  });
});

describe('valuesFqdnTemplate', () => {
  /** A scanned document of a file, its fields located at line 1. */
  const doc = (file: string, value: Record<string, any>) => ({
    file,
    value,
    at: () => ({ file, line: 1 }),
  });
  const release = (values: Record<string, any>) => ({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'cilium' },
    spec: { values },
  });
  const options = {
    clusters: ['north', 'south'],
    clusterOfFile: (file: string) => file.split('/')[1],
  };

  it("takes the template of the names written out in each cluster's extraDnsNames and its peers' addresses", () => {
    const found = valuesFqdnTemplate(
      [
        doc(
          'k8s/north/cilium.yaml',
          release({
            clustermesh: {
              apiserver: {
                tls: { server: { extraDnsNames: ['mesh-north.lab.test'] } },
              },
              config: {
                clusters: [{ name: 'south', address: 'mesh-south.lab.test' }],
              },
            },
          }),
        ),
      ],
      options,
    );
    expect(found).toMatchObject({
      template: 'mesh-{cluster}.lab.test',
      clusters: ['north', 'south'],
      example: { key: 'extraDnsNames', value: 'mesh-north.lab.test' },
      others: [],
    });
  });

  it("takes the peers' addresses of a shared release whose entries name the clusters as Cilium does (homelab-<cluster>)", () => {
    const found = valuesFqdnTemplate(
      [
        doc(
          'k8s/apps/cilium.yaml',
          release({
            cluster: { name: '${CLUSTER_NAME}' },
            clustermesh: {
              config: {
                clusters: [
                  {
                    name: 'homelab-north',
                    address: 'clustermesh-homelab-north.${SECRET_DOMAIN}',
                  },
                  {
                    name: 'homelab-south',
                    address: 'clustermesh-homelab-south.${SECRET_DOMAIN}',
                  },
                  // a name holding no single cluster counts for none
                  { name: 'north-south', address: 'other.${SECRET_DOMAIN}' },
                ],
              },
            },
          }),
        ),
      ],
      { ...options, clusterOfFile: () => undefined },
    );
    expect(found).toMatchObject({
      template: 'clustermesh-homelab-{cluster}.${SECRET_DOMAIN}',
      clusters: ['north', 'south'],
    });
  });

  it('takes none from variables or from names without the cluster in them', () => {
    expect(
      valuesFqdnTemplate(
        [
          doc(
            'k8s/north/cilium.yaml',
            release({
              clustermesh: {
                apiserver: {
                  tls: {
                    server: { extraDnsNames: ['${CILIUM_CLUSTERMESH_FQDN}'] },
                  },
                },
                config: {
                  clusters: [{ name: 'south', address: 'mesh.lab.test' }],
                },
              },
            }),
          ),
        ],
        options,
      ),
    ).toBeUndefined();
  });
});
