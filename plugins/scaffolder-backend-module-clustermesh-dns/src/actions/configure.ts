import fs from 'node:fs';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  EngineCache,
  planMeshDnsChange,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';
import {
  loadConventions,
  readDirectoryTree,
  resolveInside,
  writeFilesAtomically,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-node';
import { examples } from './configure.examples';

/**
 * `clustermesh:dns:configure`: writes the cluster settings (FQDN, LB IP,
 * peer FQDNs), the DNSEndpoint (or a records document) and the Cilium values
 * (LB IPAM annotation, peers by FQDN) into the workspace, all or nothing.
 *
 * @public
 */
export function createClustermeshDnsConfigureAction(
  options: {
    /**
     * What the engine keeps between runs; the module passes one it owns, so
     * a second run on the same repository parses only what changed. A fresh
     * one per run when absent.
     */
    cache?: EngineCache;
  } = {},
) {
  return createTemplateAction({
    id: 'clustermesh:dns:configure',
    description:
      'Gives every ClusterMesh API server a stable DNS name: cluster settings, DNSEndpoint or records document, and Cilium peers by FQDN, validated by the ClusterMesh DNS rules before anything is written.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        clusters: z =>
          z
            .array(
              z.object({
                name: z
                  .string()
                  .describe('Cluster name: its folder under the clusters path'),
                ip: z
                  .string()
                  .describe(
                    'LoadBalancer IP of its clustermesh-apiserver, inside its LB IPAM pool',
                  ),
              }),
            )
            .min(1)
            .describe('Clusters to configure, each with its LB IP'),
        repoPath: z =>
          z
            .string()
            .default('.')
            .describe(
              'Folder of the GitOps repository inside the workspace (where fetch:plain put it)',
            ),
        ttl: z =>
          z
            .number()
            .int()
            .optional()
            .describe('Record TTL in seconds (default: the conventions, 300)'),
        mode: z =>
          z
            .enum(['externaldns', 'manual'])
            .optional()
            .describe(
              'externaldns: a DNSEndpoint that ExternalDNS publishes; manual: a records document with a Terraform snippet',
            ),
        cloudflareResource: z =>
          z
            .enum(['cloudflare_record', 'cloudflare_dns_record'])
            .optional()
            .describe(
              'Terraform resource of the manual-mode snippet: cloudflare_record (provider v4) or cloudflare_dns_record (v5, default)',
            ),
        conventionsFile: z =>
          z
            .string()
            .optional()
            .describe(
              'Conventions file inside the repository (default: .clustermesh-dns.yaml when present)',
            ),
        outputPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Also write only the changed files to this workspace folder, to publish one file per change',
            ),
      },
      output: {
        changedPaths: z =>
          z.array(z.string()).describe('Repository paths written'),
        summary: z =>
          z
            .string()
            .describe(
              'Markdown for the pull-request body: records, changes, checks',
            ),
        records: z =>
          z
            .array(
              z.object({
                cluster: z.string(),
                fqdn: z.string(),
                type: z.string(),
                value: z.string(),
                ttl: z.number(),
              }),
            )
            .describe('The DNS records of the change'),
        bytesWritten: z =>
          z.number().describe('Bytes written (0 on a second run)'),
      },
    },
    async handler(ctx) {
      const { input, logger } = ctx;
      let repoDir: string;
      let outputDir: string | undefined;
      let conventionsFile: string | undefined;
      try {
        repoDir = resolveInside(ctx.workspacePath, input.repoPath ?? '.');
        outputDir = input.outputPath
          ? resolveInside(ctx.workspacePath, input.outputPath)
          : undefined;
        conventionsFile = input.conventionsFile
          ? resolveInside(repoDir, input.conventionsFile)
          : undefined;
      } catch (error) {
        throw new InputError(`Invalid path input: ${(error as Error).message}`);
      }
      logger.info(`Reading the repository in ${input.repoPath ?? '.'}`);
      const tree = readDirectoryTree(repoDir);
      // detection, the plan and its validation share one cache
      const cache = options.cache ?? new EngineCache();
      const conventions = loadConventions(tree, repoDir, conventionsFile, {
        cache,
      });
      logger.info(
        `Planning ClusterMesh DNS for ${input.clusters
          .map(c => `${c.name}=${c.ip}`)
          .join(', ')}`,
      );
      const plan = planMeshDnsChange(tree, input, conventions, { cache });
      if (plan.problems.length) {
        throw new InputError(
          `ClusterMesh DNS change refused, nothing was written:\n${plan.problems
            .map(p => `- ${p.field}: ${p.message}`)
            .join('\n')}`,
        );
      }
      for (const edit of plan.edits)
        logger.info(
          `${edit.before === undefined ? 'create' : 'update'} ${
            edit.path
          }: ${edit.reasons.join('; ')}`,
        );
      logger.info(
        plan.fixedRules.length
          ? `Checks now passing: ${plan.fixedRules.join(', ')}`
          : 'No check was failing before',
      );
      let bytesWritten = 0;
      if (ctx.isDryRun) {
        logger.info(`Dry run: ${plan.edits.length} file(s) not written`);
      } else {
        bytesWritten = writeFilesAtomically(repoDir, plan.edits);
        if (outputDir) {
          fs.mkdirSync(outputDir, { recursive: true });
          writeFilesAtomically(outputDir, plan.edits);
          logger.info(`Copied the changed files to ${input.outputPath}`);
        }
        logger.info(
          plan.edits.length
            ? `Wrote ${plan.edits.length} file(s), ${bytesWritten} bytes`
            : 'Nothing to change: the repository already says all of this',
        );
      }
      ctx.output(
        'changedPaths',
        plan.edits.map(e => e.path),
      );
      ctx.output('summary', plan.summary);
      ctx.output('records', plan.records);
      ctx.output('bytesWritten', bytesWritten);
    },
  });
}
