import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import RefreshIcon from '@mui/icons-material/Refresh';
import NetworkCheckIcon from '@mui/icons-material/NetworkCheck';
import EditIcon from '@mui/icons-material/Edit';
import type { ReactElement } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import type {
  MeshSummary,
  SourceReportBody,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { useConfigureDnsLink } from '../../lib/configure';
import { useLocationLinker } from '../../lib/scm';
import { StatusLabel, statusLabels } from '../../lib/status';
import { formatTime } from '../../lib/time';
import { visuallyHidden } from '../../lib/visuallyHidden';
import { ChecksTable } from '../ClusterDetail/ChecksTable';
import type { ClusterHref } from '../ClusterDetail/FindingEffects';
import { FindingItem } from '../ClusterDetail/FindingEffects';
import type { SourceState } from './useSourceReports';

/** Clusters by status: each an icon, a word and a number. */
function SummaryCounts(props: { summary: MeshSummary }) {
  const s = props.summary;
  const items = [
    {
      key: 'clusters',
      node: (
        <Typography component="span" sx={{ fontWeight: 500 }}>
          Clusters
        </Typography>
      ),
      n: s.clusters,
    },
    { key: 'pass', node: <StatusLabel status="pass" />, n: s.passing },
    { key: 'warn', node: <StatusLabel status="warn" />, n: s.warning },
    { key: 'fail', node: <StatusLabel status="fail" />, n: s.failing },
    {
      key: 'not-evaluated',
      node: <StatusLabel status="not-evaluated" />,
      n: s.notEvaluated,
    },
    { key: 'outside', node: <StatusLabel status="outside" />, n: s.outside },
  ];
  return (
    <Box
      component="dl"
      sx={{ display: 'flex', flexWrap: 'wrap', columnGap: 3, rowGap: 1, m: 0 }}
    >
      {items.map(item => (
        <Box
          key={item.key}
          sx={{ display: 'flex', alignItems: 'baseline', gap: 1 }}
        >
          <Box component="dt">{item.node}</Box>
          <Typography
            component="dd"
            variant="h6"
            sx={{ m: 0 }}
            data-testid={`summary-${item.key}`}
          >
            {item.n}
          </Typography>
        </Box>
      ))}
    </Box>
  );
}

const count = (n: number, one: string, many = `${one}s`) =>
  `${n} ${n === 1 ? one : many}`;

/**
 * The report's own status (its checks and its findings, the source-level
 * ones too) with its counts of errors, warnings and what was not evaluated:
 * a report can fail with no failing cluster.
 */
function OverallStatus(props: { summary: MeshSummary }) {
  const s = props.summary;
  return (
    <Box
      data-testid="summary-status"
      sx={{
        display: 'flex',
        flexWrap: 'wrap',
        alignItems: 'baseline',
        columnGap: 2,
        rowGap: 0.5,
      }}
    >
      <Typography component="h3" variant="subtitle1" sx={{ m: 0 }}>
        <StatusLabel status={s.status}>
          Overall: {statusLabels[s.status]}
        </StatusLabel>
      </Typography>
      <Typography variant="body2" color="text.secondary">
        {[
          count(s.errors, 'error'),
          count(s.warnings, 'warning'),
          `${s.unevaluated} not evaluated`,
        ].join(' · ')}
      </Typography>
    </Box>
  );
}

function Revision(props: { state: SourceState }) {
  const { report, ref, source, checkedAt } = props.state;
  if (!report) return null;
  const revision = report.revision;
  return (
    <Typography variant="body2" color="text.secondary">
      {source.type === 'url'
        ? `${report.ref ?? ref ?? source.branch ?? 'default branch'} at `
        : 'Folder contents '}
      {revision ? (
        <Box component="code" title={revision} sx={{ fontFamily: 'monospace' }}>
          {revision.slice(0, 12)}
        </Box>
      ) : (
        'unknown revision'
      )}
      {report.readAt ? (
        <>
          {' · read '}
          <time dateTime={report.readAt}>{formatTime(report.readAt)}</time>
          {checkedAt && (
            <>
              {' · unchanged when checked '}
              <time dateTime={checkedAt}>{formatTime(checkedAt)}</time>
            </>
          )}
        </>
      ) : (
        ' · never read'
      )}
    </Typography>
  );
}

function MeshWide(props: {
  state: SourceState;
  body: SourceReportBody;
  clusterHref: ClusterHref;
}) {
  const { state, body, clusterHref } = props;
  const linker = useLocationLinker(
    state.source,
    state.report?.revision,
    state.ref,
  );
  const meshProblems = body.meshChecks.filter(
    c => c.outcome !== 'pass' && c.outcome !== 'not-applicable',
  );
  const findings = body.findings.filter(f => !f.cluster);
  if (
    meshProblems.length === 0 &&
    findings.length === 0 &&
    body.overrides.length === 0
  )
    return null;
  return (
    <Stack spacing={1}>
      {meshProblems.length > 0 && (
        <ChecksTable
          checks={meshProblems}
          findings={body.findings}
          linker={linker}
          clusterHref={clusterHref}
          caption={`Mesh-wide checks of ${state.source.title}`}
        />
      )}
      {findings.length > 0 && (
        <Box>
          <Typography variant="subtitle2" component="h3">
            Findings
          </Typography>
          <Stack component="ul" spacing={1} sx={{ m: 0, pl: 2.5 }}>
            {findings.map(f => (
              <li key={f.id}>
                <FindingItem
                  finding={f}
                  linker={linker}
                  clusterHref={clusterHref}
                />
              </li>
            ))}
          </Stack>
        </Box>
      )}
      {body.overrides.length > 0 && (
        <Typography variant="body2" color="text.secondary">
          Conventions:{' '}
          {body.overrides.map(o => `${o.what} (${o.source})`).join('; ')}
        </Typography>
      )}
    </Stack>
  );
}

/** An id for an element of a source's card. */
const idFor = (what: string, sourceId: string) =>
  `${what}-${sourceId.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * A disabled action with why: a disabled button gets no pointer events, so
 * the tooltip is on a focusable wrapper; the button is described by the
 * element `reasonId` (the reason, hidden or shown beside it).
 */
function WithReason(props: {
  reason: string;
  children: ReactElement;
  /** The reason for assistive technology, when it is not shown beside. */
  hiddenReasonId?: string;
}) {
  return (
    <Tooltip title={props.reason} describeChild>
      <Box component="span" tabIndex={0} sx={{ display: 'inline-flex' }}>
        {props.children}
        {props.hiddenReasonId && (
          <Box component="span" id={props.hiddenReasonId} sx={visuallyHidden}>
            {props.reason}
          </Box>
        )}
      </Box>
    </Tooltip>
  );
}

function ConfigureButton(props: { state: SourceState; templateRef?: string }) {
  const { state, templateRef } = props;
  const link = useConfigureDnsLink(
    state.source,
    state.report?.report,
    templateRef,
  );
  const label = `Configure DNS for ${state.source.title}`;
  if ('href' in link) {
    return (
      <Button
        component={RouterLink}
        to={link.href}
        variant="outlined"
        size="small"
        startIcon={<EditIcon />}
        aria-label={label}
      >
        Configure DNS
      </Button>
    );
  }
  const reasonId = idFor('configure-dns-reason', state.source.id);
  return (
    <WithReason reason={link.reason} hiddenReasonId={reasonId}>
      <Button
        variant="outlined"
        size="small"
        disabled
        startIcon={<EditIcon />}
        aria-label={label}
        aria-describedby={reasonId}
      >
        Configure DNS
      </Button>
    </WithReason>
  );
}

/** Why live checks cannot run for a source, or undefined when they can. */
function liveChecksReason(state: SourceState): string | undefined {
  const { source, report, error, loading } = state;
  const live = source.liveChecks;
  if (!live || !(live.dns || live.provider || live.service))
    return 'No resolver, DNS provider or Kubernetes cluster is configured for live checks.';
  if (loading || report?.report) return undefined;
  // nothing to check against: live checks run for the report's clusters
  let why = 'it has not been read yet';
  if (error) why = 'its report cannot be loaded';
  else if (report?.stale) why = 'it cannot be read';
  return `Live checks need a report to check against: ${source.title} has none, ${why}.`;
}

function LiveChecksButton(props: {
  state: SourceState;
  onRunLiveChecks: (id: string) => void;
}) {
  const { state, onRunLiveChecks } = props;
  const { source, busy, loading } = state;
  const reason = liveChecksReason(state);
  const reasonId = idFor('live-checks-reason', source.id);
  const button = (
    <Button
      variant="outlined"
      size="small"
      startIcon={
        busy === 'live' ? <CircularProgress size={16} /> : <NetworkCheckIcon />
      }
      disabled={!!busy || loading || !!reason}
      onClick={() => onRunLiveChecks(source.id)}
      aria-label={`Run live checks for ${source.title}`}
      aria-describedby={reason ? reasonId : undefined}
    >
      Run live checks
    </Button>
  );
  if (!reason) return button;
  // the reason shown beside the button, and as its tooltip
  return (
    <>
      <WithReason reason={reason}>{button}</WithReason>
      <Typography id={reasonId} variant="caption" color="text.secondary">
        {reason}
      </Typography>
    </>
  );
}

/**
 * One source: its clusters by status, the revision read and when, a stale
 * marker when the last read failed, and its actions.
 */
export function SourceSummaryCard(props: {
  state: SourceState;
  canRunLiveChecks: boolean;
  onRefresh: (id: string) => void;
  onRunLiveChecks: (id: string) => void;
  clusterHref: ClusterHref;
  templateRef?: string;
  /** The ref in the URL, to say when it does not apply. */
  requestedRef?: string;
}) {
  const {
    state,
    canRunLiveChecks,
    onRefresh,
    onRunLiveChecks,
    clusterHref,
    templateRef,
    requestedRef,
  } = props;
  const { source, report, error, loading, busy, actionError, live, liveError } =
    state;
  const body = report?.report;
  const liveAvailable =
    !!source.liveChecks &&
    (source.liveChecks.dns ||
      source.liveChecks.provider ||
      source.liveChecks.service);
  const subheader =
    source.type === 'url' && source.repository ? (
      <Link to={source.repository.url}>
        {source.repository.host}/{source.repository.owner}/
        {source.repository.name}
      </Link>
    ) : (
      'Local folder'
    );

  return (
    <InfoCard title={source.title} subheader={subheader}>
      <Stack spacing={2}>
        {loading && <Progress aria-label={`Loading ${source.title}`} />}
        {!loading && error && (
          <ResponseErrorPanel
            title={`${source.title} cannot be loaded`}
            error={error}
          />
        )}
        {!loading && report && !body && (
          <WarningPanel
            severity="error"
            title={`${source.title} cannot be read`}
            defaultExpanded
            message={
              report.stale
                ? `Reading has failed since ${formatTime(
                    report.stale.since,
                  )}: ${report.stale.error}`
                : 'The source has not been read yet.'
            }
          />
        )}
        {!loading && body && report?.stale && (
          <WarningPanel
            severity="warning"
            title="Stale report: the last read failed, this is the last report that could be read"
            defaultExpanded
            message={`Reading has failed since ${formatTime(
              report.stale.since,
            )}: ${report.stale.error}`}
          />
        )}
        {requestedRef && source.type === 'local' && (
          <Typography variant="body2" color="text.secondary">
            A local folder has no branches or tags: it shows its current
            contents, not {requestedRef}.
          </Typography>
        )}
        {!loading && body && <OverallStatus summary={body.summary} />}
        {!loading && body && <SummaryCounts summary={body.summary} />}
        {!loading && <Revision state={state} />}
        {!loading && live && (
          <Typography variant="body2" color="text.secondary">
            Live checks ran{' '}
            <time dateTime={live.ranAt}>{formatTime(live.ranAt)}</time>
            {live.revision ? ` against ${live.revision.slice(0, 12)}` : ''}
          </Typography>
        )}
        {!loading && !live && !liveError && liveAvailable && (
          <Typography variant="body2" color="text.secondary">
            Live checks have not run.
          </Typography>
        )}
        {liveError && (
          <Alert severity="warning">
            The last live checks cannot be loaded: {liveError.message}
          </Alert>
        )}
        {!loading && body && (
          <MeshWide state={state} body={body} clusterHref={clusterHref} />
        )}
        {actionError && <Alert severity="error">{actionError.message}</Alert>}
        <Stack
          direction="row"
          spacing={1}
          flexWrap="wrap"
          useFlexGap
          alignItems="center"
        >
          <Button
            variant="outlined"
            size="small"
            startIcon={
              busy === 'refresh' ? (
                <CircularProgress size={16} />
              ) : (
                <RefreshIcon />
              )
            }
            disabled={!!busy || loading}
            onClick={() => onRefresh(source.id)}
            aria-label={`Refresh ${source.title}`}
          >
            Refresh
          </Button>
          {canRunLiveChecks && (
            <LiveChecksButton state={state} onRunLiveChecks={onRunLiveChecks} />
          )}
          {body && <ConfigureButton state={state} templateRef={templateRef} />}
        </Stack>
      </Stack>
    </InfoCard>
  );
}
