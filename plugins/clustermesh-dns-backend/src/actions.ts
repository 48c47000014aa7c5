import type { PermissionsService } from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { clustermeshDnsReportReadPermission } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { ReportStore } from './service/ReportStore';

/**
 * Registers `clustermesh-dns:get-report` with the actions registry, so MCP
 * clients (through `@backstage/plugin-mcp-actions-backend`) can ask for the
 * mesh's state. Read-only: it serves the cached report, never refreshes.
 */
export function registerActions(options: {
  actionsRegistry: ActionsRegistryService;
  permissions: PermissionsService;
  store: ReportStore;
}) {
  const { actionsRegistry, permissions, store } = options;
  actionsRegistry.register({
    name: 'get-report',
    title: 'Get a ClusterMesh DNS report',
    description: [
      'The ClusterMesh DNS state of the GitOps repositories Backstage knows:',
      'without `source`, every source with its overall status; with `source`,',
      "that source's clusters (FQDN, LB IP, declared status, failing rules) and",
      'the findings of reading the repository; with `cluster` too, that',
      "cluster's checks with their messages, locations and remediations.",
      'Secret values appear as <secret:NAME>.',
    ].join(' '),
    attributes: { readOnly: true, idempotent: true, destructive: false },
    visibilityPermission: clustermeshDnsReportReadPermission,
    schema: {
      input: z =>
        z.object({
          source: z
            .string()
            .optional()
            .describe('A source id; leave out to list the sources'),
          cluster: z
            .string()
            .optional()
            .describe(
              "A cluster of the source: answers with that cluster's checks",
            ),
          ref: z
            .string()
            .optional()
            .describe(
              'A branch, tag or commit of a url source (default: its configured branch)',
            ),
        }),
      output: z =>
        z.object({
          sources: z
            .array(
              z.object({
                id: z.string(),
                title: z.string(),
                repository: z.string().optional(),
                status: z.string().optional(),
                stale: z.string().optional(),
              }),
            )
            .optional(),
          source: z.string().optional(),
          revision: z.string().optional(),
          readAt: z.string().optional(),
          stale: z
            .object({ error: z.string(), since: z.string() })
            .optional()
            .describe(
              'Set when the last read failed and an older report is shown',
            ),
          summary: z
            .record(z.string(), z.union([z.string(), z.number()]))
            .optional(),
          clusters: z
            .array(
              z.object({
                name: z.string(),
                status: z.string(),
                fqdn: z.string().optional(),
                lbIp: z.string().optional(),
                failingRules: z.array(z.string()),
              }),
            )
            .optional(),
          findings: z
            .array(
              z.object({
                severity: z.string(),
                message: z.string(),
                location: z.string().optional(),
              }),
            )
            .optional(),
          checks: z
            .array(
              z.object({
                rule: z.string(),
                outcome: z.string(),
                severity: z.string(),
                message: z.string(),
                location: z.string().optional(),
                remediation: z.string().optional(),
              }),
            )
            .optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      const [decision] = await permissions.authorize(
        [{ permission: clustermeshDnsReportReadPermission }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW)
        throw new NotAllowedError(
          `Not allowed: ${clustermeshDnsReportReadPermission.name} is needed`,
        );
      const where = (l?: { file: string; line: number }) =>
        l ? `${l.file}:${l.line}` : undefined;
      if (!input.source) {
        const sources = await Promise.all(
          store.list().map(async s => {
            const { body } = await store.report(s.id);
            return {
              id: s.id,
              title: s.title,
              repository: s.repository?.url,
              status: body.report?.summary.status,
              stale: body.stale?.error,
            };
          }),
        );
        return { output: { sources } };
      }
      if (input.cluster) {
        const { body } = await store.cluster(
          input.source,
          input.cluster,
          input.ref,
        );
        return {
          output: {
            source: input.source,
            revision: body.revision,
            clusters: [
              {
                name: body.cluster.name,
                status: body.cluster.status,
                fqdn: body.cluster.fqdn?.resolved,
                lbIp: body.cluster.lbIp?.value,
                failingRules: [
                  ...new Set(
                    body.cluster.checks
                      .filter(c => c.outcome === 'fail')
                      .map(c => c.ruleId),
                  ),
                ],
              },
            ],
            checks: body.cluster.checks.map(c => ({
              rule: c.ruleId,
              outcome: c.outcome,
              severity: c.severity,
              message: c.message,
              location: where(c.location),
              remediation: c.remediation,
            })),
            findings: body.findings.map(f => ({
              severity: f.severity,
              message: f.message,
              location: where(f.location),
            })),
          },
        };
      }
      const { body } = await store.report(input.source, input.ref);
      const report = body.report;
      return {
        output: {
          source: input.source,
          revision: body.revision,
          readAt: body.readAt,
          stale: body.stale,
          summary: report ? { ...report.summary } : undefined,
          clusters: report?.clusters.map(c => ({
            name: c.name,
            status: c.status,
            fqdn: c.fqdn?.resolved,
            lbIp: c.lbIp?.value,
            failingRules: c.failingRules,
          })),
          findings: report
            ? [...report.findings, ...report.notEvaluated].map(f => ({
                severity: f.severity,
                message: f.message,
                location: where(f.location),
              }))
            : undefined,
        },
      };
    },
  });
}
