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

  it("reads an Ansible YAML inventory's hosts (ansible_host, or a host named by its address), not its variables' files", () => {
    const tree = createRepoTree({
      'ansible/inventory/hosts.yaml': [
        'kubernetes:',
        '  children:',
        '    master:',
        '      hosts:',
        '        k8s-0:',
        '          ansible_user: ops',
        '          ansible_host: 10.0.20.10',
        '    worker:',
        '      hosts:',
        '        10.0.20.13:',
        '        k8s-2:',
        "          ansible_host: \"{{ lookup('env', 'K8S_2') }}\"",
        '',
      ].join('\n'),
      // variables, not hosts
      'ansible/inventory/host_vars/k8s-0.yaml': 'ansible_host: 10.0.20.99\n',
      // an app's hosts file is no inventory of this shape
      'kubernetes/apps/x/hosts.yaml': 'hosts:\n  - 10.0.20.50\n',
    });
    expect(
      nodeAddresses(tree).map(a => [a.ip, a.what, a.cluster, a.location.line]),
    ).toEqual([
      ['10.0.20.10', 'the address of Ansible host k8s-0', undefined, 7],
      ['10.0.20.13', 'the address of Ansible host 10.0.20.13', undefined, 10],
    ]);
  });
});
