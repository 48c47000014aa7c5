import { createRepoTree } from '../tree/RepoTree';
import { nodeAddresses } from './nodeAddresses';

describe('nodeAddresses', () => {
  it("reads a talhelper configuration's machine addresses, with their lines, leaving out what talhelper fills in", () => {
    const tree = createRepoTree({
      'talos/talconfig.yaml': [
        'clusterName: lab',
        'endpoint: https://192.168.1.10:6443',
        'nodes:',
        '  - hostname: k8s-1',
        '    ipAddress: ${NODE_1_IP}',
        '    networkInterfaces:',
        '      - interface: eth0',
        '        addresses: [192.168.1.11/24, "fd00::11/64"]',
        '        routes:',
        '          - network: 0.0.0.0/0',
        '            gateway: 192.168.1.1',
        '        vip:',
        '          ip: 192.168.1.10',
        '',
      ].join('\n'),
      // not a Talos configuration
      'talos/other.yaml': 'endpoint: https://192.168.1.99:6443\n',
    });
    expect(
      nodeAddresses(tree).map(a => [a.ip, a.what, a.cluster, a.location.line]),
    ).toEqual([
      ['192.168.1.10', 'the API server endpoint', 'lab', 2],
      ['192.168.1.11', 'an address of node k8s-1', 'lab', 8],
      ['fd00::11', 'an address of node k8s-1', 'lab', 8],
      ['192.168.1.10', 'the API server VIP', 'lab', 13],
      ['192.168.1.1', 'the gateway', 'lab', 11],
    ]);
  });
});
