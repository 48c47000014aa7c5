import fc from 'fast-check';
import { parse } from 'yaml';
import { parseYamlText } from './documents';
import { lineAtPath } from './lines';
import { setScalarsOnLines, YamlEditError, YamlTextEditor } from './edit';

const edit = (text: string, change: (e: YamlTextEditor) => void) => {
  const editor = new YamlTextEditor('f.yaml', text);
  change(editor);
  return editor.result();
};

describe('YamlTextEditor', () => {
  it('changes a scalar in place, keeping its quoting and the comment after it', () => {
    const text = 'a:\n  b: "1.2.3.4" # the IP\n  c: \'x\'\n  d: plain\n';
    expect(
      edit(text, e => {
        e.setScalar(0, ['a', 'b'], '5.6.7.8');
        e.setScalar(0, ['a', 'c'], "it's");
        e.setScalar(0, ['a', 'd'], 'a: b');
      }),
    ).toBe('a:\n  b: "5.6.7.8" # the IP\n  c: \'it\'\'s\'\n  d: "a: b"\n');
  });

  it('adds missing keys after the last entry of their map, at its indentation', () => {
    const text =
      '# head\nspec:\n    values:\n        x: 1\n\n# tail\nother: true\n';
    expect(
      edit(text, e => e.setEntries(0, ['spec', 'values', 'y'], { z: 'v' })),
    ).toBe(
      // a key YAML 1.1 reads as a boolean is quoted, as Helm reads it
      '# head\nspec:\n    values:\n        x: 1\n        "y":\n            z: v\n\n# tail\nother: true\n',
    );
  });

  it("adds a key after the comments closing the block above it, which are that block's (an entry commented out under its last key)", () => {
    const text =
      'values:\n  hubble:\n    relay:\n      enabled: false\n    # ui:\n    #   enabled: true\n# end of values\n';
    expect(
      edit(text, e =>
        e.setEntries(0, ['values', 'clustermesh'], { useAPIServer: true }),
      ),
    ).toBe(
      'values:\n  hubble:\n    relay:\n      enabled: false\n    # ui:\n    #   enabled: true\n  clustermesh:\n    useAPIServer: true\n# end of values\n',
    );
  });

  it('quotes a new value holding a variable as the file quotes those, and leaves other values plain', () => {
    const text =
      'ipv4NativeRoutingCIDR: "${IP_POD_CIDR_V4}"\ncluster:\n  name: "${CLUSTER_NAME}"\nclustermesh:\n  useAPIServer: true\n';
    expect(
      edit(text, e =>
        e.setEntries(0, ['clustermesh', 'apiserver'], {
          service: { type: 'LoadBalancer' },
          tls: { server: { extraDnsNames: ['${CILIUM_CLUSTERMESH_FQDN}'] } },
        }),
      ),
    ).toBe(
      'ipv4NativeRoutingCIDR: "${IP_POD_CIDR_V4}"\ncluster:\n  name: "${CLUSTER_NAME}"\nclustermesh:\n  useAPIServer: true\n  apiserver:\n    service:\n      type: LoadBalancer\n    tls:\n      server:\n        extraDnsNames:\n          - "${CILIUM_CLUSTERMESH_FQDN}"\n',
    );
    // a file that writes them plain gets them plain
    expect(
      edit(text.replace(/"/g, ''), e =>
        e.setEntries(0, ['clustermesh'], {
          fqdn: '${CILIUM_CLUSTERMESH_FQDN}',
        }),
      ),
    ).toContain('  fqdn: ${CILIUM_CLUSTERMESH_FQDN}\n');
  });

  it('adds after the last line of a file that has no final line break, leaving that line and the file end as they were', () => {
    const text = 'data:\n  A: "1"';
    const after = edit(text, e => {
      e.setScalar(0, ['data', 'B'], '2');
      e.setScalar(0, ['data', 'C'], '3');
    });
    expect(after).toBe('data:\n  A: "1"\n  B: "2"\n  C: "3"');
    expect(parse(after)).toEqual({ data: { A: '1', B: '2', C: '3' } });
    expect(
      edit('resources:\n  - a.yaml', e =>
        e.appendItem(0, ['resources'], 'b.yaml'),
      ),
    ).toBe('resources:\n  - a.yaml\n  - b.yaml');
  });

  it('fills an empty value with a map on the lines below its key', () => {
    expect(
      edit('data:\nkind: X\n', e => e.setScalar(0, ['data', 'K'], 'v')),
    ).toBe('data:\n  K: v\nkind: X\n');
  });

  it("writes a new item of a sequence of maps as the items beside it quote each key, over the file's other keys of that name (mrwulf's peer entries)", () => {
    const text = [
      'metadata:',
      '  name: cilium',
      'spec:',
      '  chart: {spec: {sourceRef: {name: cilium}}}',
      '  dependsOn:',
      '    - name: a',
      '    - name: b',
      '  clusters:',
      '    - name: "home"',
      '      address: "clustermesh-home.example.net"',
      '      port: 2379',
      '    - name: "lab"',
      '      address: "clustermesh-lab.example.net"',
      '      port: 2379',
      '',
    ].join('\n');
    const entry = {
      name: 'edge',
      address: 'clustermesh-edge.example.net',
      port: 2379,
    };
    const inserted = edit(text, e =>
      e.insertItem(0, ['spec', 'clusters'], 0, entry),
    );
    expect(inserted).toContain(
      '    - name: "edge"\n      address: "clustermesh-edge.example.net"\n      port: 2379\n    - name: "home"',
    );
    const appended = edit(text, e =>
      e.appendItem(0, ['spec', 'clusters'], entry),
    );
    expect(
      appended.endsWith(
        '    - name: "edge"\n      address: "clustermesh-edge.example.net"\n      port: 2379\n',
      ),
    ).toBe(true);
    // items written plain get a plain one, whatever the file quotes
    expect(
      edit(text.replace(/"/g, ''), e =>
        e.appendItem(0, ['spec', 'clusters'], entry),
      ),
    ).toContain(
      '    - name: edge\n      address: clustermesh-edge.example.net\n',
    );
  });

  it("writes a new item of a sequence of maps with its keys in the order of the first item (vrtx-cluster's substituteFrom name, kind)", () => {
    const text =
      'postBuild:\n  substituteFrom:\n    - name: cluster-secrets\n      kind: Secret\n';
    const source = { kind: 'ConfigMap', name: 'cluster-settings' };
    const tail = '    - name: cluster-settings\n      kind: ConfigMap\n';
    expect(
      edit(text, e => e.appendItem(0, ['postBuild', 'substituteFrom'], source)),
    ).toBe(text + tail);
    expect(
      edit(text, e =>
        e.insertItem(0, ['postBuild', 'substituteFrom'], 0, source),
      ),
    ).toBe(
      `postBuild:\n  substituteFrom:\n${tail}    - name: cluster-secrets\n      kind: Secret\n`,
    );
  });

  it('appends to block and flow sequences', () => {
    expect(
      edit('l:\n  - a\n  - b\nn: 1\n', e => e.appendItem(0, ['l'], 'c')),
    ).toBe('l:\n  - a\n  - b\n  - c\nn: 1\n');
    expect(edit('l: ["a"]\n', e => e.appendItem(0, ['l'], 'b'))).toBe(
      'l: ["a", "b"]\n',
    );
  });

  it('deletes a key with its nested value, whole lines only', () => {
    const text = 'm:\n  - name: a\n    ips:\n      - 10.0.0.1\n    port: 1\n';
    expect(edit(text, e => e.deleteKey(0, ['m', 0, 'ips']))).toBe(
      'm:\n  - name: a\n    port: 1\n',
    );
  });

  it("leaves a block map whose every key is deleted an empty map, not null (cubic3d's settings after --remove)", () => {
    const settings =
      'kind: ConfigMap\nmetadata:\n  name: cluster-settings\ndata:\n  LB_IP: 10.0.0.1\n  FQDN: a.example\n';
    expect(
      edit(settings, e => {
        e.deleteKey(0, ['data', 'LB_IP']);
        e.deleteKey(0, ['data', 'FQDN']);
      }),
    ).toBe('kind: ConfigMap\nmetadata:\n  name: cluster-settings\ndata: {}\n');
    // one key of two: the other stays, nothing more
    expect(edit(settings, e => e.deleteKey(0, ['data', 'LB_IP']))).toBe(
      'kind: ConfigMap\nmetadata:\n  name: cluster-settings\ndata:\n  FQDN: a.example\n',
    );
    // emptied, then given a key in the same edit: a block again
    expect(
      edit(settings, e => {
        e.deleteKey(0, ['data', 'LB_IP']);
        e.deleteKey(0, ['data', 'FQDN']);
        e.setScalar(0, ['data', 'OTHER'], 'x');
      }),
    ).toBe(
      'kind: ConfigMap\nmetadata:\n  name: cluster-settings\ndata:\n  OTHER: x\n',
    );
  });

  it('keeps CRLF line endings and the other documents of the file', () => {
    const text = 'a: 1\r\n---\r\nb:\r\n  c: 2\r\n';
    expect(edit(text, e => e.setEntries(1, ['b'], { d: 3 }))).toBe(
      'a: 1\r\n---\r\nb:\r\n  c: 2\r\n  d: 3\r\n',
    );
  });

  it('plans nothing when the value is already there', () => {
    const editor = new YamlTextEditor('f.yaml', 'a: "x"\n');
    editor.setScalar(0, ['a'], 'x');
    expect(editor.changed).toBe(false);
    expect(editor.result()).toBe('a: "x"\n');
  });

  it('refuses what it cannot edit without rewriting, naming file and path', () => {
    expect(() => new YamlTextEditor('bad.yaml', 'a: [1\n')).toThrow(
      'bad.yaml: is not valid YAML; fix it first',
    );
    expect(() => edit('l: [a]\n', e => e.setScalar(0, ['l'], 'x'))).toThrow(
      'f.yaml: l is a collection where a scalar is expected',
    );
    expect(() =>
      edit('a: text\n', e => e.setScalar(0, ['a', 'b'], 'x')),
    ).toThrow(
      new YamlEditError('f.yaml', ['a'], 'is not a map where one is expected'),
    );
    // the item's only key: nothing can take its place on the dash's line
    expect(() =>
      edit('l:\n  - name: a\n', e => e.deleteKey(0, ['l', 0, 'name'])),
    ).toThrow('shares its line with other content; edit it by hand');
  });

  it("deletes an item's first key on the dash's line by moving the next key up (how kubectl and yq write lists of maps)", () => {
    const peers =
      'clusters:\n- ips:\n  - 10.60.9.2\n  name: beta # peer\n  port: 32379\n- name: gamma\n  port: 32379\n';
    expect(edit(peers, e => e.deleteKey(0, ['clusters', 0, 'ips']))).toBe(
      'clusters:\n- name: beta # peer\n  port: 32379\n- name: gamma\n  port: 32379\n',
    );
    expect(
      edit('l:\n  - a: 1\n    b: 2\n', e => e.deleteKey(0, ['l', 0, 'a'])),
    ).toBe('l:\n  - b: 2\n');
    // with a key added to the item, whose keys are in order: after them,
    // as nothing can go above the dash's line
    expect(
      edit(peers, e => {
        e.deleteKey(0, ['clusters', 0, 'ips']);
        e.setScalar(0, ['clusters', 0, 'port'], 2379);
        e.setScalar(0, ['clusters', 0, 'address'], 'beta.example.net');
      }),
    ).toBe(
      'clusters:\n- name: beta # peer\n  port: 2379\n  address: beta.example.net\n- name: gamma\n  port: 32379\n',
    );
    // a comment before the next key would be lost: refused
    expect(() =>
      edit('l:\n  - a: 1\n    # b is the port\n    b: 2\n', e =>
        e.deleteKey(0, ['l', 0, 'a']),
      ),
    ).toThrow('l.0.a shares its line with other content; edit it by hand');
  });
});

describe('YamlTextEditor creates missing structure once', () => {
  const values = [
    '# Cilium values',
    'cluster:',
    '  name: infra # the cluster',
    '',
    '# ClusterMesh',
    'clustermesh:',
    '  useAPIServer: false',
    '  config:',
    '    enabled: false',
    '    domain: mesh.cilium.io',
    '',
    '# policy',
    'policy:',
    '  enabled: true',
    '',
  ].join('\n');
  const story = (e: YamlTextEditor) => {
    const at = (...p: string[]) => ['clustermesh', ...p];
    e.setScalar(0, at('apiserver', 'service', 'type'), 'LoadBalancer');
    e.setEntries(0, at('apiserver', 'service', 'annotations'), {
      'lbipam.cilium.io/ips': '${LB_IP}',
    });
    e.appendItem(0, at('apiserver', 'tls', 'server', 'extraDnsNames'), 'x.y');
    e.setScalar(0, at('useAPIServer'), true);
    e.setScalar(0, at('config', 'enabled'), true);
    for (const peer of ['infra', 'apps'])
      e.appendItem(0, at('config', 'clusters'), {
        name: peer,
        address: `\${${peer.toUpperCase()}_FQDN}`,
        port: 2379,
      });
  };

  it('writes a missing subset of paths as one nested block under its deepest existing map', () => {
    expect(edit(values, story)).toBe(
      [
        '# Cilium values',
        'cluster:',
        '  name: infra # the cluster',
        '',
        '# ClusterMesh',
        'clustermesh:',
        '  useAPIServer: true',
        '  config:',
        '    enabled: true',
        '    domain: mesh.cilium.io',
        '    clusters:',
        '      - name: infra',
        '        address: ${INFRA_FQDN}',
        '        port: 2379',
        '      - name: apps',
        '        address: ${APPS_FQDN}',
        '        port: 2379',
        '  apiserver:',
        '    service:',
        '      type: LoadBalancer',
        '      annotations:',
        '        lbipam.cilium.io/ips: ${LB_IP}',
        '    tls:',
        '      server:',
        '        extraDnsNames:',
        '          - x.y',
        '',
        '# policy',
        'policy:',
        '  enabled: true',
        '',
      ].join('\n'),
    );
  });

  it('creates the whole block when the parent is missing, and reads back what it plans', () => {
    const editor = new YamlTextEditor('f.yaml', 'cluster:\n  name: a\n');
    story(editor);
    expect(editor.get(0, ['clustermesh', 'config', 'clusters'])).toEqual([
      { name: 'infra', address: '${INFRA_FQDN}', port: 2379 },
      { name: 'apps', address: '${APPS_FQDN}', port: 2379 },
    ]);
    expect(editor.get(0, ['clustermesh', 'useAPIServer'])).toBe(true);
    const text = editor.result();
    expect(text.match(/^clustermesh:/gm)).toHaveLength(1);
    expect(text.match(/apiserver:/g)).toHaveLength(1);
    expect(parse(text)).toEqual({
      cluster: { name: 'a' },
      clustermesh: {
        apiserver: {
          service: {
            type: 'LoadBalancer',
            annotations: { 'lbipam.cilium.io/ips': '${LB_IP}' },
          },
          tls: { server: { extraDnsNames: ['x.y'] } },
        },
        useAPIServer: true,
        config: {
          enabled: true,
          clusters: [
            { name: 'infra', address: '${INFRA_FQDN}', port: 2379 },
            { name: 'apps', address: '${APPS_FQDN}', port: 2379 },
          ],
        },
      },
    });
  });

  it("follows the file's indentation step and sequence indentation", () => {
    const text =
      'spec:\n    values:\n        list:\n        - a\n        clustermesh:\n            useAPIServer: true\n';
    expect(
      edit(text, e => {
        e.appendItem(
          0,
          ['spec', 'values', 'clustermesh', 'config', 'clusters'],
          { name: 'b', port: 1 },
        );
      }),
    ).toBe(
      `${text}            config:\n                clusters:\n                - name: b\n                  port: 1\n`,
    );
  });

  it('fills an empty value or an empty flow collection with a block under its key, keeping its comment', () => {
    expect(
      edit('service:\n  annotations: {} # none yet\n  type: X\n', e =>
        e.setEntries(0, ['service', 'annotations'], { 'a/b': '${IP}' }),
      ),
    ).toBe('service:\n  annotations: # none yet\n    a/b: ${IP}\n  type: X\n');
    expect(
      edit('tls:\n  extraDnsNames: []\n', e =>
        e.appendItem(0, ['tls', 'extraDnsNames'], 'a.b'),
      ),
    ).toBe('tls:\n  extraDnsNames:\n    - a.b\n');
    expect(
      edit('config:\n  clusters: ~\n  enabled: true\n', e =>
        e.appendItem(0, ['config', 'clusters'], { name: 'a' }),
      ),
    ).toBe('config:\n  clusters:\n    - name: a\n  enabled: true\n');
    expect(
      edit('config:\n  enabled:\n', e =>
        e.setScalar(0, ['config', 'enabled'], true),
      ),
    ).toBe('config:\n  enabled: true\n');
  });

  it('edits non-empty flow collections in place, in their own style', () => {
    expect(
      edit('service: {type: ClusterIP}\n', e => {
        e.setScalar(0, ['service', 'type'], 'LoadBalancer');
        e.setEntries(0, ['service', 'annotations'], { 'a/b': '${IP}' });
      }),
    ).toBe('service: {type: LoadBalancer, annotations: {a/b: "${IP}"}}\n');
    expect(
      edit('names: [ "a" ]\n', e => e.appendItem(0, ['names'], '${B}')),
    ).toBe('names: [ "a", "${B}" ]\n');
    expect(
      edit('clusters: [{name: a, ips: [1.2.3.4], port: 1}]\n', e => {
        e.deleteKey(0, ['clusters', 0, 'ips']);
        e.setScalar(0, ['clusters', 0, 'address'], 'a.example');
        e.appendItem(0, ['clusters'], { name: 'b', address: 'b.example' });
      }),
    ).toBe(
      'clusters: [{name: a, port: 1, address: a.example}, {name: b, address: b.example}]\n',
    );
  });

  it('removes entries and items, block or flow, and what it planned to add', () => {
    const text =
      'm:\n  a: 1\n  b: 2 # two\nl:\n  - x\n  # y is next\n  - y\n  - z\nf: [1, 2, 3]\n';
    expect(
      edit(text, e => {
        e.deleteKey(0, ['m', 'b']);
        e.deleteItem(0, ['l', 1]);
        e.deleteItem(0, ['f', 2]);
        e.deleteItem(0, ['f', 0]);
        e.setScalar(0, ['m', 'c'], 3);
        e.deleteKey(0, ['m', 'c']);
      }),
    ).toBe('m:\n  a: 1\nl:\n  - x\n  # y is next\n  - z\nf: [2]\n');
  });

  it('writes a block list whose every item is removed as [], not null', () => {
    const text =
      'spec:\n  endpoints:\n    - dnsName: a.example\n      targets:\n        - 10.0.0.1\n    - dnsName: b.example\n  other: 1\n';
    const emptied = edit(text, e => {
      e.deleteItem(0, ['spec', 'endpoints', 1]);
      e.deleteItem(0, ['spec', 'endpoints', 0]);
    });
    expect(emptied).toBe('spec:\n  endpoints: []\n  other: 1\n');
    expect(parse(emptied).spec.endpoints).toEqual([]);
    // one item left, or one added back: the list stays a block
    expect(edit(text, e => e.deleteItem(0, ['spec', 'endpoints', 0]))).toBe(
      'spec:\n  endpoints:\n    - dnsName: b.example\n  other: 1\n',
    );
    expect(
      edit(text, e => {
        e.deleteItem(0, ['spec', 'endpoints', 1]);
        e.deleteItem(0, ['spec', 'endpoints', 0]);
        e.appendItem(0, ['spec', 'endpoints'], { dnsName: 'c.example' });
      }),
    ).not.toContain('[]');
    // an anchored list is left as it is (`[] &e` would not be YAML)
    const anchored = edit(
      'spec:\n  endpoints: &e\n    - dnsName: a.example\n',
      e => e.deleteItem(0, ['spec', 'endpoints', 0]),
    );
    expect(parse(anchored)).toEqual({ spec: { endpoints: null } });
  });

  it('inserts an item before another, above the comment that belongs to it', () => {
    expect(
      edit('r:\n  - ./a\n  # c is special\n  - ./c\n', e =>
        e.insertItem(0, ['r'], 1, './b'),
      ),
    ).toBe('r:\n  - ./a\n  - ./b\n  # c is special\n  - ./c\n');
  });

  it('adds an entry right after the one it belongs with', () => {
    const text =
      'data:\n  # Cilium\n  MESH_FQDN: "a.example"\n  MESH_B_FQDN: "b.example"\n\n  # Storage\n  POOL: "x"\n';
    expect(
      edit(text, e => {
        e.setScalarAfter(
          0,
          ['data'],
          'MESH_C_FQDN',
          'c.example',
          'MESH_B_FQDN',
        );
        e.setScalarAfter(0, ['data'], 'POOL', 'y', 'MESH_B_FQDN');
      }),
    ).toBe(
      'data:\n  # Cilium\n  MESH_FQDN: "a.example"\n  MESH_B_FQDN: "b.example"\n  MESH_C_FQDN: "c.example"\n\n  # Storage\n  POOL: "y"\n',
    );
  });

  it('adds an entry before the first one of a map, above its comment, at its indentation', () => {
    expect(
      edit('data:\n  # the cluster\n  CLUSTER: "a"\n  ZONE: "b"\n', e => {
        e.setScalarBefore(0, ['data'], 'ALPHA', '1', 'CLUSTER');
        e.setScalarBefore(0, ['data'], 'BETA', '2', 'CLUSTER');
      }),
    ).toBe(
      'data:\n  ALPHA: "1"\n  BETA: "2"\n  # the cluster\n  CLUSTER: "a"\n  ZONE: "b"\n',
    );
  });

  it('places new keys of a map kept in order where they sort, above the comment of the entry after them', () => {
    const sortedValues =
      'values:\n  bpf:\n    masquerade: true\n  cluster:\n    name: a\n  # the CNI\n  cni:\n    exclusive: false\n  operator:\n    replicas: 1\n';
    expect(
      edit(sortedValues, e => {
        e.setScalar(0, ['values', 'clustermesh', 'useAPIServer'], true);
        e.setScalar(0, ['values', 'cluster', 'id'], 1);
        e.setScalar(0, ['values', 'rollOutCiliumPods'], true);
        e.setScalar(0, ['values', 'autoDirectNodeRoutes'], true);
      }),
    ).toBe(
      'values:\n  autoDirectNodeRoutes: true\n  bpf:\n    masquerade: true\n  cluster:\n    name: a\n    id: 1\n  clustermesh:\n    useAPIServer: true\n  # the CNI\n  cni:\n    exclusive: false\n  operator:\n    replicas: 1\n  rollOutCiliumPods: true\n',
    );
    // blocks set apart by blank lines keep that; maps not in order, or of
    // two entries, get new keys at their end
    expect(
      edit('a:\n  x: 1\n\nb:\n  y: 1\n\nd:\n  z: 1\n', e =>
        e.setScalar(0, ['c', 'w'], 1),
      ),
    ).toBe('a:\n  x: 1\n\nb:\n  y: 1\n\nc:\n  w: 1\n\nd:\n  z: 1\n');
    expect(edit('b: 1\nc: 2\na: 3\n', e => e.setScalar(0, ['ab'], 4))).toBe(
      'b: 1\nc: 2\na: 3\nab: 4\n',
    );
    expect(edit('b: 1\nc: 2\n', e => e.setScalar(0, ['a'], 4))).toBe(
      'b: 1\nc: 2\na: 4\n',
    );
  });

  it("sets several new entries apart as a group where the map's entries are in groups set apart by blank lines (Heavybullets8's settings), not one alone", () => {
    const grouped =
      'data:\n  NAME: main\n  ZONE: "x"\n\n  NAS_IP:    10.0.0.2\n  VIP:       10.0.0.3\n\n  PLEX_IP:   10.0.1.50\n  GAME_IP:   10.0.1.51\n';
    expect(
      edit(grouped, e => {
        e.setScalar(0, ['data', 'CILIUM_CLUSTERMESH_FQDN'], 'mesh-main.x');
        e.setScalar(0, ['data', 'CILIUM_CLUSTERMESH_LB_IP'], '10.0.1.60');
      }),
    ).toBe(
      `${grouped}\n  CILIUM_CLUSTERMESH_FQDN: mesh-main.x\n  CILIUM_CLUSTERMESH_LB_IP: 10.0.1.60\n`,
    );
    // one entry joins the last group; a map with one blank line keeps none
    expect(
      edit(grouped, e => e.setScalar(0, ['data', 'WEB_IP'], '10.0.1.52')),
    ).toBe(`${grouped}  WEB_IP: 10.0.1.52\n`);
    const once = 'data:\n  A: "1"\n  B: "2"\n\n  C: "3"\n  D: "4"\n  E: "5"\n';
    expect(
      edit(once, e => {
        e.setScalar(0, ['data', 'F'], '6');
        e.setScalar(0, ['data', 'G'], '7');
      }),
    ).toBe(`${once}  F: "6"\n  G: "7"\n`);
  });

  it('quotes new values as their neighbours are', () => {
    expect(
      edit('data:\n  A: "1"\n  B: "x"\n', e =>
        e.setScalar(0, ['data', 'C'], 'y.${D}'),
      ),
    ).toBe('data:\n  A: "1"\n  B: "x"\n  C: "y.${D}"\n');
  });

  it('adds to an empty document', () => {
    expect(edit('# nothing yet\n', e => e.setScalar(0, ['a', 'b'], 'c'))).toBe(
      '# nothing yet\na:\n  b: c\n',
    );
  });

  it('keeps every line off the edited paths, for any subset of the structure present, block or flow', () => {
    const part = fc.record({
      apiserver: fc.constantFrom('missing', 'empty', 'flow', 'block'),
      service: fc.constantFrom('missing', 'block', 'flow'),
      annotations: fc.constantFrom('missing', '{}', 'flow', 'block'),
      config: fc.constantFrom('missing', 'partial', 'flow', 'block'),
      clusters: fc.constantFrom('missing', '[]', 'flow', 'block'),
      indent: fc.constantFrom(2, 4),
    });
    fc.assert(
      fc.property(part, p => {
        const text = valuesText(p);
        const out = edit(text, story);
        const read = parse(out).clustermesh;
        expect(read.apiserver.service.type).toBe('LoadBalancer');
        expect(read.apiserver.service.annotations).toMatchObject({
          'lbipam.cilium.io/ips': '${LB_IP}',
        });
        expect(read.apiserver.tls.server.extraDnsNames).toContain('x.y');
        expect(read.config.clusters.map((c: any) => c.name)).toEqual(
          expect.arrayContaining(['infra', 'apps']),
        );
        expect(read.config.enabled).toBe(true);
        // every original line is still there, in order, but those edited
        const kept = text
          .split('\n')
          .filter(l => !/[{}[\]]|: false|type: NodePort/.test(l));
        let at = 0;
        const lines = out.split('\n');
        for (const line of kept) {
          const found = lines.indexOf(line, at);
          expect([line, found >= 0]).toEqual([line, true]);
          at = found + 1;
        }
        // each key of the structure once, however many values went under it
        for (const key of ['clustermesh', 'apiserver', 'service', 'clusters'])
          expect(out.match(new RegExp(`\\b${key}:`, 'g'))).toHaveLength(1);
      }),
      { numRuns: 150 },
    );
  });
});

describe('setScalarsOnLines', () => {
  /** The line edits for `changes`, with lines and current values as the reader has them. */
  const lineEdits = (text: string, changes: Record<string, string>) => {
    const root = parseYamlText('f.yaml', text).documents[0].value as any;
    return Object.entries(changes).map(([key, value]) => ({
      line: lineAtPath(root, ['data', key])!,
      key,
      current: root.data[key],
      value,
    }));
  };
  const wholeFile = (text: string, changes: Record<string, string>) =>
    edit(text, e => {
      for (const [key, value] of Object.entries(changes))
        e.setScalar(0, ['data', key], value);
    });

  it('changes the same bytes as an edit of the whole file', () => {
    const compared: { onLines: string; wholeFile: string }[] = [];
    const entry = fc.record({
      // a prefix keeps keys clear of YAML 1.1 booleans such as Y and ON
      key: fc.stringMatching(/^K[A-Z0-9_]{0,10}$/),
      value: fc.oneof(
        fc.stringMatching(/^[a-z0-9.-]{1,12}$/),
        fc.constantFrom('10.0.0.1', 'x.${SECRET_DOMAIN}', "it's", 'a: b'),
      ),
      style: fc.constantFrom('plain', 'single', 'double'),
      comment: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, {
          minLength: 1,
          maxLength: 8,
          selector: e => e.key,
        }),
        fc.boolean(),
        fc.array(fc.stringMatching(/^[a-z0-9.:-]{1,12}$/), {
          minLength: 8,
          maxLength: 8,
        }),
        fc.nat(),
        (entries, crlf, newValues, pick) => {
          const eol = crlf ? '\r\n' : '\n';
          const quote = (v: string, style: string) => {
            if (style === 'double') return JSON.stringify(v);
            const needsQuotes =
              /[:#'{}[\],&*!|>%@`"]|^[-?]|^[0-9.]+$|^(y|n|yes|no|on|off|true|false|null|~)$/i.test(
                v,
              );
            return style === 'single' || needsQuotes
              ? `'${v.replace(/'/g, "''")}'`
              : v;
          };
          const text = [
            '# settings',
            'apiVersion: v1',
            'kind: ConfigMap',
            'metadata:',
            '  name: cluster-settings',
            'data:',
            ...entries.map(
              e =>
                `  ${e.key}: ${quote(e.value, e.style)}${
                  e.comment ? ' # why' : ''
                }`,
            ),
            '',
          ].join(eol);
          const changes: Record<string, string> = {};
          entries.forEach((e, i) => {
            if ((pick >> i) % 2 === 0) changes[e.key] = newValues[i];
          });
          const onLines = setScalarsOnLines(
            'f.yaml',
            text,
            lineEdits(text, changes),
          );
          // values the editor writes over several lines are left to it
          if (onLines !== undefined)
            compared.push({ onLines, wholeFile: wholeFile(text, changes) });
        },
      ),
      { numRuns: 200 },
    );
    expect(compared.length).toBeGreaterThan(150);
    expect(compared.map(c => c.onLines)).toEqual(
      compared.map(c => c.wholeFile),
    );
  });

  it.each([
    [
      'a value that goes on over the next line',
      'data:\n  A: first\n    second\n',
    ],
    ['a value on the line after its key', 'data:\n  A:\n    "first"\n'],
    ['a flow map', 'data: {A: first}\n'],
  ])('leaves %s to a whole-file edit', (_, text) => {
    expect(
      setScalarsOnLines('f.yaml', text, lineEdits(text, { A: 'new' })),
    ).toBeUndefined();
    expect(wholeFile(text, { A: 'new' })).toContain('new');
  });

  it('refuses a line that does not hold the value the reader saw', () => {
    const text = 'data:\n  A: first\n  B: second\n';
    expect(
      setScalarsOnLines('f.yaml', text, [
        { line: 3, key: 'A', current: 'first', value: 'x' },
      ]),
    ).toBeUndefined();
    expect(
      setScalarsOnLines('f.yaml', text, [
        { line: 2, key: 'A', current: 'other', value: 'x' },
      ]),
    ).toBeUndefined();
    expect(
      setScalarsOnLines('f.yaml', text, [
        { line: 2, key: 'A', current: 'first', value: 'x' },
      ]),
    ).toBe('data:\n  A: x\n  B: second\n');
  });
});

/** Cilium values with any subset of the clustermesh structure, in block or flow style. */
function valuesText(p: {
  apiserver: string;
  service: string;
  annotations: string;
  config: string;
  clusters: string;
  indent: number;
}): string {
  const i = (n: number) => ' '.repeat(p.indent * n);
  const lines = ['cluster:', `${i(1)}name: a`, 'clustermesh:'];
  lines.push(`${i(1)}useAPIServer: false`);
  if (p.apiserver === 'empty') lines.push(`${i(1)}apiserver:`);
  else if (p.apiserver === 'flow')
    lines.push(`${i(1)}apiserver: {replicas: 2}`);
  else if (p.apiserver === 'block') {
    lines.push(`${i(1)}apiserver:`, `${i(2)}replicas: 2`);
    if (p.service === 'flow') lines.push(`${i(2)}service: {type: NodePort}`);
    else if (p.service === 'block') {
      lines.push(`${i(2)}service:`, `${i(3)}type: NodePort`);
      if (p.annotations === '{}') lines.push(`${i(3)}annotations: {}`);
      else if (p.annotations === 'flow')
        lines.push(`${i(3)}annotations: {x: y}`);
      else if (p.annotations === 'block')
        lines.push(`${i(3)}annotations:`, `${i(4)}x: y`);
    }
  }
  if (p.config === 'flow')
    lines.push(`${i(1)}config: {enabled: false, domain: mesh.cilium.io}`);
  else if (p.config !== 'missing') {
    lines.push(`${i(1)}config:`, `${i(2)}enabled: false`);
    if (p.config === 'block') {
      lines.push(`${i(2)}domain: mesh.cilium.io # the default`);
      if (p.clusters === '[]') lines.push(`${i(2)}clusters: []`);
      else if (p.clusters === 'flow')
        lines.push(`${i(2)}clusters: [{name: old, port: 2379}]`);
      else if (p.clusters === 'block')
        lines.push(
          `${i(2)}clusters:`,
          `${i(3)}- name: old`,
          `${i(3)}  port: 2379`,
        );
    }
  }
  lines.push('# end', 'policy:', `${i(1)}enabled: true`, '');
  return lines.join('\n');
}

describe('YamlTextEditor.appendDocument', () => {
  it("appends a document after a separator, in the file's indentation, once even where the file ends with one", () => {
    for (const [text, expected] of [
      ['a:\n    b: 1\n', 'a:\n    b: 1\n---\nkind: K\nlist:\n    - 1\n'],
      ['a: 1\n---\n', 'a: 1\n---\nkind: K\nlist:\n  - 1\n'],
      // each document closed with `...` (red-lichtie's): the new one too
      ['---\na: 1\n...\n', '---\na: 1\n...\n---\nkind: K\nlist:\n  - 1\n...\n'],
    ]) {
      const editor = new YamlTextEditor('f.yaml', text);
      editor.appendDocument({ kind: 'K', list: [1] });
      expect(editor.result()).toBe(expected);
    }
  });

  it('opens the new document with the editor schema comment a document of its kind in the file has', () => {
    const kustomization = (name: string) =>
      `---\n# yaml-language-server: $schema=https://example.org/kustomization.json\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n`;
    const editor = new YamlTextEditor('ks.yaml', kustomization('cilium'));
    editor.appendDocument({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'cilium-clustermesh' },
    });
    expect(editor.result()).toBe(
      `${kustomization('cilium')}${kustomization('cilium-clustermesh')}`,
    );
    // another kind: none
    const other = new YamlTextEditor('ks.yaml', kustomization('cilium'));
    other.appendDocument({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(other.result()).toBe(
      `${kustomization('cilium')}---\napiVersion: v1\nkind: ConfigMap\n`,
    );
  });

  it('quotes the values of a key as the file quotes that key (a Flux Kustomization beside one with `path: "./k8s/…"`)', () => {
    const text = [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: cilium',
      'spec:',
      '  interval: 30m',
      '  path: "./k8s/base/kube-system/cilium"',
      '  sourceRef:',
      '    kind: GitRepository',
      "    name: 'flux-system'",
      '',
    ].join('\n');
    const editor = new YamlTextEditor('ks.yaml', text);
    editor.appendDocument({
      kind: 'Kustomization',
      metadata: { name: 'cilium-clustermesh' },
      spec: {
        interval: '30m',
        path: './k8s/base/kube-system/cilium/clustermesh',
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      },
    });
    expect(editor.result()).toBe(
      `${text}---\n${[
        'kind: Kustomization',
        'metadata:',
        '  name: cilium-clustermesh',
        'spec:',
        '  interval: 30m',
        '  path: "./k8s/base/kube-system/cilium/clustermesh"',
        '  sourceRef:',
        '    kind: GitRepository',
        // `name` is as often plain as quoted in the file: plain
        '    name: flux-system',
        '',
      ].join('\n')}`,
    );
  });
});

describe('YamlTextEditor.get', () => {
  it('reads aliases as what they name (a ks.yaml with `name: &app cilium` and `*app` below)', () => {
    const editor = new YamlTextEditor(
      'ks.yaml',
      'metadata:\n  name: &app cilium\nspec:\n  targetNamespace: &namespace kube-system\n  postBuild:\n    substitute:\n      APP: *app\n      NS: *namespace\n',
    );
    expect(editor.get(0, ['spec'])).toEqual({
      targetNamespace: 'kube-system',
      postBuild: { substitute: { APP: 'cilium', NS: 'kube-system' } },
    });
    expect(editor.get(0, ['spec', 'postBuild', 'substitute', 'APP'])).toBe(
      'cilium',
    );
  });
});
