import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import type { DeclaredStatus } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

const labels: Record<DeclaredStatus, string> = {
  pass: 'Valid',
  warn: 'Warnings',
  fail: 'Invalid',
  'not-evaluated': 'Not evaluated',
  outside: 'Outside the mesh',
};

/** A status as an icon and a word: never colour alone. */
export function StatusLabel({ status }: { status: DeclaredStatus }) {
  const label = labels[status];
  if (status === 'pass') return <StatusOK>{label}</StatusOK>;
  if (status === 'warn') return <StatusWarning>{label}</StatusWarning>;
  if (status === 'not-evaluated') return <StatusPending>{label}</StatusPending>;
  if (status === 'outside') return <StatusAborted>{label}</StatusAborted>;
  return <StatusError>{label}</StatusError>;
}
