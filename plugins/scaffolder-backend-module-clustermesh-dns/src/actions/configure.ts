import fs from 'node:fs';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  checksChangeLine,
  describeProblem,
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
            .default([])
            .describe(
              'Clusters to configure, each with its LB IP: every cluster of a new mesh, or only those to add or give a new address in a running one (the others learn them as peers)',
            ),
        remove: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              "Clusters to take out of the mesh: their settings entries, their record and every peer's entry for them (refused while a cluster's Cilium values still enable ClusterMesh)",
            ),
        repoPath: z =>
          z
            .string()
            .default('.')
            .describe(
              'Folder of the GitOps repository inside the workspace (where fetch:plain put it)',
            ),
        branch: z =>
          z
            .string()
            .optional()
            .describe(
              "The branch of the repository the files in repoPath are from (fetch:plain's checkout has no .git to say it): a cluster whose Flux reconciles another branch is refused, as its files there may differ; unset, with clusters on different branches, the change is refused",
            ),
        fqdnTemplate: z =>
          z
            .string()
            .refine(v => v.trim() === '' || v.includes('{cluster}'), {
              message:
                "must contain {cluster} (where each cluster's name goes)",
            })
            .optional()
            .describe(
              "The clusters' FQDN, `{cluster}` for the name (e.g. `{cluster}.mesh.${SECRET_DOMAIN}`); empty: the conventions file's, or the names the repository already uses (default clustermesh-{cluster}.${SECRET_DOMAIN})",
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
              "externaldns: a DNSEndpoint that ExternalDNS publishes; manual: a records document (with an OpenTofu/Terraform snippet when the zone is at Cloudflare). Default: the conventions' dns.mode, else manual where no ExternalDNS of the repository reads DNSEndpoints and it has no DNSEndpoint CRD or DNSEndpoint, else externaldns",
            ),
        cloudflareResource: z =>
          z
            .enum(['cloudflare_record', 'cloudflare_dns_record'])
            .optional()
            .describe(
              'Terraform resource of the manual-mode snippet: cloudflare_record (provider v4) or cloudflare_dns_record (v5, default); giving it says the zone is at Cloudflare',
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
        alreadyThere: z =>
          z
            .array(z.object({ field: z.string(), message: z.string() }))
            .describe(
              'Errors that were in the repository before and are not touched by the change (they do not stop it)',
            ),
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
      // an empty form field is no template: the repository's stays
      const fqdnTemplate = input.fqdnTemplate?.trim() || undefined;
      if (fqdnTemplate && !fqdnTemplate.includes('{cluster}'))
        throw new InputError(
          `Invalid input: fqdnTemplate must contain {cluster} (where each cluster's name goes), not "${fqdnTemplate}"`,
        );
      const branch = input.branch?.trim() || undefined;
      const conventions = loadConventions(tree, repoDir, conventionsFile, {
        cache,
        fqdnTemplate,
        branch,
      });
      if (branch) logger.info(`The files are of branch ${branch}`);
      if (fqdnTemplate)
        logger.info(`FQDN template given to this run: ${fqdnTemplate}`);
      const clusters = input.clusters ?? [];
      const remove = Array.isArray(input.remove) ? input.remove : [];
      if (!clusters.length && !remove.length)
        throw new InputError(
          'Invalid input: name at least one cluster in clusters, or one in remove',
        );
      logger.info(
        `Planning ClusterMesh DNS for ${[
          ...clusters.map(c => `${c.name}=${c.ip}`),
          ...remove.map(r => `without ${r}`),
        ].join(', ')}`,
      );
      const plan = planMeshDnsChange(
        tree,
        { ...input, clusters, remove },
        conventions,
        { cache },
      );
      for (const decision of plan.decisions) logger.info(decision);
      if (plan.alreadyThere.length)
        logger.warn(
          `Already there, not touched by this change (${
            plan.alreadyThere.length
          }):\n${plan.alreadyThere
            .map(p => `- ${describeProblem(p)}`)
            .join('\n')}`,
        );
      if (plan.problems.length) {
        // what it would have written, so a dry run shows the change with the reasons
        for (const edit of plan.proposed)
          logger.info(
            `would ${edit.before === undefined ? 'create' : 'update'} ${
              edit.path
            }: ${edit.reasons.join('; ')}`,
          );
        throw new InputError(
          `ClusterMesh DNS change refused, nothing was written:\n${plan.problems
            .map(p => `- ${describeProblem(p)}`)
            .join('\n')}`,
        );
      }
      for (const edit of plan.edits)
        logger.info(
          `${edit.before === undefined ? 'create' : 'update'} ${
            edit.path
          }: ${edit.reasons.join('; ')}`,
        );
      logger.info(checksChangeLine(plan));
      // A dry run writes too: its workspace is a temporary folder that the
      // template editor shows (the changed files, as the pull request would
      // have them) and then discards; the publish steps skip themselves.
      const bytesWritten = writeFilesAtomically(repoDir, plan.edits);
      if (outputDir) {
        fs.mkdirSync(outputDir, { recursive: true });
        writeFilesAtomically(outputDir, plan.edits);
        logger.info(`Copied the changed files to ${input.outputPath}`);
      }
      logger.info(
        plan.edits.length
          ? `Wrote ${plan.edits.length} file(s), ${bytesWritten} bytes${
              ctx.isDryRun ? " into the dry run's workspace" : ''
            }`
          : 'Nothing to change: the repository already says all of this',
      );
      ctx.output(
        'changedPaths',
        plan.edits.map(e => e.path),
      );
      ctx.output('summary', plan.summary);
      ctx.output('records', plan.records);
      ctx.output('bytesWritten', bytesWritten);
      ctx.output('alreadyThere', plan.alreadyThere);
    },
  });
}
