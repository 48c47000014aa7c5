import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** A template with one `clustermesh:dns:configure` step taking `input`. */
const configureStep = (input: Record<string, unknown>) =>
  yaml.stringify({
    steps: [
      {
        id: 'clustermesh-dns',
        action: 'clustermesh:dns:configure',
        name: 'Configure ClusterMesh DNS',
        input,
      },
    ],
  });

export const examples: TemplateExample[] = [
  {
    description:
      'Configure ClusterMesh DNS for two clusters in the fetched repository (ExternalDNS mode)',
    example: configureStep({
      clusters: [
        { name: 'infra', ip: '10.25.11.100' },
        { name: 'apps', ip: '10.25.11.120' },
      ],
      ttl: 300,
    }),
  },
  {
    description:
      'Manual DNS mode: write a records document with a Terraform snippet for the Cloudflare provider v4, and only the changed files to ./changes for publishing',
    example: configureStep({
      repoPath: 'gitops',
      clusters: [{ name: 'infra', ip: '10.25.11.100' }],
      mode: 'manual',
      cloudflareResource: 'cloudflare_record',
      outputPath: 'changes',
    }),
  },
  {
    description:
      'A running mesh: add one cluster (the configured ones learn it as a peer) and take a retired one out',
    example: configureStep({
      repoPath: 'gitops',
      clusters: [{ name: 'edge', ip: '10.25.11.140' }],
      remove: ['legacy'],
      outputPath: 'changes',
    }),
  },
];
