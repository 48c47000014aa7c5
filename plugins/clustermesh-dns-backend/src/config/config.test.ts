import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { readPluginOptions } from './config';

const read = (clustermeshDns: JsonObject) =>
  readPluginOptions(new ConfigReader({ clustermeshDns }), {
    cwd: '/srv/backend',
  });
const source = (extra: JsonObject = {}) => ({
  sources: [
    {
      id: 'home',
      type: 'url',
      target: 'https://github.com/acme/gitops',
      ...extra,
    },
  ],
});

describe('readPluginOptions', () => {
  it('has defaults for everything but the sources', () => {
    const options = read({});
    expect(options).toEqual({
      sources: [],
      schedule: {
        frequency: { minutes: 10 },
        timeout: { minutes: 5 },
        scope: 'global',
      },
      maxFileSize: 4 * 1024 * 1024,
      refReportsMax: 4,
      dns: { servers: undefined, timeoutMs: 2000, concurrency: 16 },
      kubernetes: { timeoutMs: 10000 },
      cloudflare: { timeoutMs: 10000 },
      constantRoute: false,
      validationWorker: true,
    });
  });

  it('reads every option of a source', () => {
    const options = read({
      sources: [
        {
          id: 'home',
          title: 'Home',
          type: 'url',
          target: 'git@github.com:acme/gitops.git',
          branch: 'main',
          conventionsFile: 'ops/clustermesh-dns.yaml',
          values: { SECRET_DOMAIN: 'example.com' },
          catalog: {
            owner: 'group:platform',
            system: 'mesh',
            entityName: 'k8s-{cluster}',
          },
          liveChecks: {
            dns: true,
            dnsServers: ['192.0.2.53', '192.0.2.54:5353'],
            cloudflare: {
              zoneId: '0123456789abcdef0123456789abcdef',
              apiToken: 'token-123',
            },
            kubernetes: {
              clusters: { infra: 'prod-infra' },
              namespace: 'cilium',
            },
          },
        },
        {
          id: 'local',
          type: 'local',
          target: '../../examples/gitops-repo',
          conventions: { clustersPath: 'clusters' },
        },
      ],
      schedule: { frequency: { minutes: 2 }, timeout: { minutes: 1 } },
      readTree: { maxFileSize: 1000 },
      refReports: { max: 2 },
      dns: { servers: ['192.0.2.1'], timeout: '1500ms', concurrency: 8 },
      kubernetes: { timeout: { seconds: 3 } },
      benchmark: { constantRoute: true },
      validation: { worker: false },
    });
    expect(options.sources[0]).toEqual({
      index: 0,
      id: 'home',
      title: 'Home',
      type: 'url',
      target: 'git@github.com:acme/gitops.git',
      repository: {
        host: 'github.com',
        owner: 'acme',
        name: 'gitops',
        url: 'https://github.com/acme/gitops',
      },
      scm: 'github',
      branch: 'main',
      conventions: undefined,
      conventionsFile: 'ops/clustermesh-dns.yaml',
      values: { SECRET_DOMAIN: 'example.com' },
      catalog: {
        enabled: true,
        owner: 'group:platform',
        system: 'mesh',
        entityName: 'k8s-{cluster}',
        annotate: {},
      },
      live: {
        dns: true,
        dnsServers: ['192.0.2.53', '192.0.2.54:5353'],
        cloudflare: {
          zoneId: '0123456789abcdef0123456789abcdef',
          apiToken: 'token-123',
          apiBaseUrl: 'https://api.cloudflare.com/client/v4',
        },
        kubernetes: {
          clusters: { infra: 'prod-infra' },
          namespace: 'cilium',
          service: 'clustermesh-apiserver',
        },
      },
    });
    expect(options.sources[1]).toMatchObject({
      target: '/examples/gitops-repo', // ../../ from /srv/backend
      conventions: { clustersPath: 'clusters' },
    });
    expect(options).toMatchObject({
      schedule: {
        frequency: { minutes: 2 },
        timeout: { minutes: 1 },
        scope: 'global',
      },
      maxFileSize: 1000,
      refReportsMax: 2,
      dns: { servers: ['192.0.2.1'], timeoutMs: 1500, concurrency: 8 },
      kubernetes: { timeoutMs: 3000 },
      constantRoute: true,
      validationWorker: false,
    });
  });

  it.each<[JsonObject, string]>([
    [
      { sources: [{ id: 'Home', type: 'local', target: '.' }] },
      'clustermeshDns.sources[0].id "Home" must be 1-63 lower-case letters',
    ],
    [
      {
        sources: [
          { id: 'a', type: 'local', target: '.' },
          { id: 'a', type: 'local', target: '.' },
        ],
      },
      'clustermeshDns.sources[1].id "a" is used by another source',
    ],
    [
      { sources: [{ id: 'a', type: 'local', target: '.', branch: 'main' }] },
      'clustermeshDns.sources[0].branch is only for url sources',
    ],
    [
      source({ branch: 'bad..ref' }),
      'clustermeshDns.sources[0].branch "bad..ref" is not a valid branch name',
    ],
    [
      source({ conventions: {}, conventionsFile: 'x.yaml' }),
      'clustermeshDns.sources[0] sets both conventions and conventionsFile; use one',
    ],
    [
      source({ conventionsFile: '../x.yaml' }),
      'clustermeshDns.sources[0].conventionsFile "../x.yaml" must be a path inside the repository',
    ],
    [
      source({ conventions: { dns: { ttl: 'soon' } } }),
      'clustermeshDns.sources[0].conventions.dns.ttl:',
    ],
    [
      source({ values: { SECRET_DOMAIN: 'abc' } }),
      'clustermeshDns.sources[0].values.SECRET_DOMAIN must be at least 4 characters',
    ],
    [
      source({ values: { 'not-a-var': 'abcdef' } }),
      'clustermeshDns.sources[0].values.not-a-var is not a variable name',
    ],
    [
      source({ catalog: { entityName: '{source}' } }),
      'clustermeshDns.sources[0].catalog.entityName "{source}" must contain {cluster}',
    ],
    [
      source({ catalog: { annotate: { infra: 'resource:default/infra' } } }),
      'clustermeshDns.sources[0].catalog.annotate is only read with catalog.enabled: false',
    ],
    [
      source({ catalog: { enabled: false, annotate: { infra: 'nope' } } }),
      'clustermeshDns.sources[0].catalog.annotate.infra "nope" is not an entity reference',
    ],
    [
      source({ liveChecks: { dnsServers: ['dns.example.com'] } }),
      'clustermeshDns.sources[0].liveChecks.dnsServers[0] "dns.example.com" is not an IP address',
    ],
    [
      source({
        liveChecks: { cloudflare: { zoneId: 'zone', apiToken: 'token-123' } },
      }),
      'clustermeshDns.sources[0].liveChecks.cloudflare.zoneId "zone" is not a Cloudflare zone id',
    ],
    [
      source({ liveChecks: { kubernetes: { clusters: {} } } }),
      'clustermeshDns.sources[0].liveChecks.kubernetes.clusters must map at least one mesh cluster',
    ],
    [
      { dns: { concurrency: 64 } },
      'clustermeshDns.dns.concurrency must be a whole number from 1 to 16',
    ],
    [
      { dns: { timeout: 'soon' } },
      'clustermeshDns.dns.timeout is not a duration',
    ],
    [{ schedule: { frequency: 'sometimes' } }, 'clustermeshDns.schedule:'],
  ])('refuses %j: %s', (config, message) => {
    expect(() => read(config)).toThrow(message);
  });

  it('names the field when a value has the wrong type', () => {
    expect(() =>
      read({ sources: [{ id: 3, type: 'local', target: '.' }] as any }),
    ).toThrow("Invalid type in config for key 'clustermeshDns.sources[0].id'");
  });
});
