import type { CustomFieldValidator } from '@backstage/plugin-scaffolder-react';
import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import type { ClusterPool } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clustermeshDnsApiRef } from '../../api';
import type { ClusterEntry } from '../../lib/configure';
import {
  FieldSource,
  formTarget,
  LbIpPickerOptions,
  resolveFieldSource,
} from './fieldSource';
import { validateEntries } from './validation';

/** The name templates use: `ui:field: ClusterMeshLbIpPicker`. */
export const lbIpPickerFieldName = 'ClusterMeshLbIpPicker';

/**
 * The field's value, as the action `clustermesh:dns:configure` takes it
 * (`clusters: [{ name, ip }]`), and its options.
 */
export const lbIpPickerSchema = makeFieldSchema({
  output: z =>
    z
      .array(
        z.object({
          name: z
            .string()
            .describe('The cluster (its folder under the clusters path)'),
          ip: z.string().describe('The LB IP of its clustermesh-apiserver'),
        }),
      )
      .describe('Clusters and their ClusterMesh LB IPs'),
  uiOptions: z =>
    z.object({
      exampleSource: z
        .string()
        .optional()
        .describe(
          'The source of the embedded example (default example-before)',
        ),
      sourceId: z
        .string()
        .optional()
        .describe('Check against this source whatever the repository'),
    }),
});

/**
 * Runs on Next: the same checks as the field shows while typing, against the
 * source's pools fetched afresh. A backend that cannot be reached leaves
 * the checks that need no source (format, duplicates).
 */
export const lbIpPickerValidation: CustomFieldValidator<
  ClusterEntry[],
  LbIpPickerOptions
> = async (value, validation, context) => {
  const entries = Array.isArray(value) ? value : [];
  const api = context.apiHolder.get(clustermeshDnsApiRef);
  let found: FieldSource | undefined;
  let clusters: string[] | undefined;
  const pools: Record<string, ClusterPool | undefined> = {};
  if (api) {
    try {
      found = await resolveFieldSource(
        api,
        formTarget(context.formData, context.uiSchema?.['ui:options']),
      );
    } catch {
      found = undefined;
    }
    const source = found?.source;
    if (source) {
      const names = [...new Set(entries.map(e => e.name).filter(Boolean))];
      const [report, ...answers] = await Promise.allSettled([
        api.getReport(source.id),
        ...names.map(name => api.getPool(source.id, name)),
      ]);
      if (report.status === 'fulfilled' && report.value.report) {
        clusters = report.value.report.clusters
          .filter(c => c.status !== 'outside')
          .map(c => c.name);
      }
      answers.forEach((answer, i) => {
        if (answer.status === 'fulfilled')
          pools[names[i]] = answer.value as ClusterPool;
      });
    }
  }
  for (const problem of validateEntries(entries, {
    clusters,
    sourceTitle: found?.source?.title,
    pools,
  })) {
    const who = entries[problem.index]?.name || `Cluster ${problem.index + 1}`;
    validation.addError(`${who}: ${problem.message}`);
  }
};
