import { formatLocation } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { stringMapAt } from '../../flux/kustomize/immutable';
import {
  parseSelectorString,
  requirementsAdmit,
} from '../../k8s/labelSelector';
import type { ManifestObject } from '../../core/manifest';
import type { ExternalDnsDeployment } from './externalDns';

// What an ExternalDNS deployment's metadata filters say of an object: one
// answer, for the checks (the model's queries), the plan and the
// conventions' detection alike.

/** Whether an ExternalDNS deployment publishes a record, and why not (or why that is not known). @public */
export type Publication =
  | { verdict: 'yes' }
  | {
      verdict: 'no' | 'unknown';
      why: string;
      /** Set where only the name's domain keeps it out (domain filters, RFC2136 zones, exclude-domains): its remedy is another name or domain. */
      byDomain?: boolean;
    };

/**
 * Text a value not known here stands in, where ExternalDNS's filters
 * cannot be compared: a secret, a variable left, or a Kubernetes
 * `$(VAR)` reference the container's env fills (from a Secret, often).
 */
export const notKnownHere = (text: string) =>
  text.includes('<secret:') ||
  text.includes('${') ||
  /\$\([A-Za-z_][A-Za-z0-9_]*\)/.test(text);

/**
 * What an ExternalDNS deployment's `--annotation-filter` and
 * `--label-filter` say of an object: undefined when they take it (or there
 * are none), else why not or why it is not known.
 *
 * @public
 */
export function metadataFiltered(
  deployment: ExternalDnsDeployment,
  endpoint: Pick<ManifestObject, 'body'>,
): Publication | undefined {
  const d = `${deployment.description} (${formatLocation(
    deployment.location,
  )})`;
  for (const { filter, field, flag, requirements } of filtersOfMetadata(
    deployment,
  )) {
    const present = stringMapAt(endpoint.body, 'metadata', field);
    if (requirements && !notKnownHere(filter)) {
      if (!requirementsAdmit(requirements, present))
        return {
          verdict: 'no',
          why: `${d} takes only objects whose ${field} match ${filter} (--${flag}), and the DNSEndpoint's do not`,
        };
      continue;
    }
    // a value not known here: a key it asks for that the object lacks
    // still decides, whatever the value
    const lacking = requirements?.find(
      r =>
        (r.operator === '=' ||
          r.operator === 'in' ||
          r.operator === 'exists') &&
        !notKnownHere(r.key) &&
        !Object.prototype.hasOwnProperty.call(present, r.key),
    );
    if (lacking)
      return {
        verdict: 'no',
        why: `${d} takes only objects with the ${field.slice(0, -1)} ${
          lacking.key
        } (--${flag} ${filter}), and the DNSEndpoint has none`,
      };
    return {
      verdict: 'unknown',
      why: `the --${flag} of ${d} (${filter}) cannot be read here`,
    };
  }
  return undefined;
}

/**
 * A selector whose values may hold values not known here (`${SECRET_DOMAIN}`,
 * a secret's placeholder): each stands in as a valid value while the text
 * is parsed, and is put back in the requirements.
 */
export function parseSelectorWithReferences(text: string) {
  const references: string[] = [];
  const marker = (i: number) => `cmdnsref${i}x`;
  const parsed = parseSelectorString(
    text.replace(/\$\{[^}]*\}|<secret:[^>]*>/g, m =>
      marker(references.push(m) - 1),
    ),
  );
  if ('error' in parsed || !references.length) return parsed;
  const back = (t: string) =>
    t.replace(/cmdnsref(\d+)x/g, (_, i) => references[Number(i)]);
  return {
    requirements: parsed.requirements.map(r => ({
      ...r,
      key: back(r.key),
      values: r.values.map(back),
    })),
  };
}

/**
 * A deployment's annotation and label filters, each with its requirements
 * where they can be read: from the text as written where Flux's
 * substitution put a value not known here in it (`${SECRET_DOMAIN}` stands
 * in a value), so that its keys are still known.
 */
export function filtersOfMetadata(deployment: ExternalDnsDeployment) {
  const { annotation, label, written } = deployment.filters;
  return (
    [
      [annotation, written?.annotation, 'annotations', 'annotation-filter'],
      [label, written?.label, 'labels', 'label-filter'],
    ] as const
  ).flatMap(([filter, asWritten, field, flag]) => {
    if (!filter) return [];
    const parsed = parseSelectorWithReferences(
      notKnownHere(filter) && asWritten !== undefined ? asWritten : filter,
    );
    return [
      {
        filter,
        written: asWritten,
        field,
        flag,
        requirements: 'error' in parsed ? undefined : parsed.requirements,
      },
    ];
  });
}
