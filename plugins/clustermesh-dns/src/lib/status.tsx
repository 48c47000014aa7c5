import { ReactNode } from 'react';
import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import type {
  CheckOutcome,
  CheckResult,
  DeclaredStatus,
  LiveCheckResult,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';

/** The words for a cluster's status: never colour alone. */
export const statusLabels: Record<DeclaredStatus, string> = {
  pass: 'Passing',
  warn: 'Warnings',
  fail: 'Failing',
  'not-evaluated': 'Not evaluated',
  outside: 'Outside the mesh',
};

/** Worst first: the order a status filter and a status sort use. */
export const statusOrder: DeclaredStatus[] = [
  'fail',
  'warn',
  'not-evaluated',
  'pass',
  'outside',
];

export const isDeclaredStatus = (value: string): value is DeclaredStatus =>
  (statusOrder as string[]).includes(value);

type Tone = 'ok' | 'warning' | 'error' | 'pending' | 'neutral';

/**
 * An icon and a text label. The core Status components hide themselves from
 * assistive technology (`aria-hidden`) and carry a generic `aria-label`;
 * here the text is the label, so both are removed and the words are read.
 */
export function StatusText(props: { tone: Tone; children: ReactNode }) {
  const a11y = { 'aria-hidden': undefined, 'aria-label': undefined };
  switch (props.tone) {
    case 'ok':
      return <StatusOK {...a11y}>{props.children}</StatusOK>;
    case 'warning':
      return <StatusWarning {...a11y}>{props.children}</StatusWarning>;
    case 'error':
      return <StatusError {...a11y}>{props.children}</StatusError>;
    case 'pending':
      return <StatusPending {...a11y}>{props.children}</StatusPending>;
    default:
      return <StatusAborted {...a11y}>{props.children}</StatusAborted>;
  }
}

const statusTone: Record<DeclaredStatus, Tone> = {
  pass: 'ok',
  warn: 'warning',
  fail: 'error',
  'not-evaluated': 'pending',
  outside: 'neutral',
};

/** A cluster's declared (or live) status as an icon and a word. */
export function StatusLabel(props: {
  status: DeclaredStatus;
  children?: ReactNode;
}) {
  return (
    <StatusText tone={statusTone[props.status]}>
      {props.children ?? statusLabels[props.status]}
    </StatusText>
  );
}

/** The live status of a cluster, or that live checks did not run for it. */
export function LiveStatusLabel(props: {
  status?: DeclaredStatus;
  ran: boolean;
}) {
  if (!props.ran) return <StatusText tone="neutral">Not run</StatusText>;
  if (!props.status) return <StatusText tone="neutral">Not checked</StatusText>;
  return <StatusLabel status={props.status} />;
}

/** The words for a check's outcome; a failure says its severity. */
export function outcomeLabel(
  check: Pick<CheckResult, 'outcome' | 'severity'>,
): string {
  switch (check.outcome) {
    case 'pass':
      return 'Pass';
    case 'fail':
      return check.severity === 'error' ? 'Fail' : 'Warning';
    case 'not-applicable':
      return 'Not applicable';
    default:
      return 'Not evaluated';
  }
}

function outcomeTone(outcome: CheckOutcome, severity?: string): Tone {
  if (outcome === 'pass') return 'ok';
  if (outcome === 'fail') return severity === 'error' ? 'error' : 'warning';
  if (outcome === 'not-evaluated') return 'pending';
  return 'neutral';
}

/** A check's outcome as an icon and a word. */
export function OutcomeLabel(props: {
  check: Pick<CheckResult, 'outcome' | 'severity'>;
}) {
  return (
    <StatusText tone={outcomeTone(props.check.outcome, props.check.severity)}>
      {outcomeLabel(props.check)}
    </StatusText>
  );
}

/** A live check's outcome (live checks have no severity: a failure is one). */
export function LiveOutcomeLabel(props: { result: LiveCheckResult }) {
  return (
    <OutcomeLabel
      check={{ outcome: props.result.outcome, severity: 'error' }}
    />
  );
}

/** Worst first: failures, warnings, not evaluated, passes, not applicable. */
export function checkRank(check: Pick<CheckResult, 'outcome' | 'severity'>) {
  if (check.outcome === 'fail') return check.severity === 'error' ? 0 : 1;
  if (check.outcome === 'not-evaluated') return 2;
  if (check.outcome === 'pass') return 3;
  return 4;
}
