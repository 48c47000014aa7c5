import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Configure ClusterMesh DNS for two clusters in the fetched repository (ExternalDNS mode)',
    example: yaml.stringify({
      steps: [
        {
          id: 'clustermesh-dns',
          action: 'clustermesh:dns:configure',
          name: 'Configure ClusterMesh DNS',
          input: {
            clusters: [
              { name: 'infra', ip: '10.25.11.100' },
              { name: 'apps', ip: '10.25.11.120' },
            ],
            ttl: 300,
          },
        },
      ],
    }),
  },
  {
    description:
      'Manual DNS mode: write a records document with a Terraform snippet for the Cloudflare provider v4, and only the changed files to ./changes for publishing',
    example: yaml.stringify({
      steps: [
        {
          id: 'clustermesh-dns',
          action: 'clustermesh:dns:configure',
          name: 'Configure ClusterMesh DNS',
          input: {
            repoPath: 'gitops',
            clusters: [{ name: 'infra', ip: '10.25.11.100' }],
            mode: 'manual',
            cloudflareResource: 'cloudflare_record',
            outputPath: 'changes',
          },
        },
      ],
    }),
  },
];
