import { useMemo } from 'react';
import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type {
  CheckResult,
  Finding,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { InlineCode } from '../../lib/inlineCode';
import { checkRank, OutcomeLabel } from '../../lib/status';
import type { LocationLinker } from '../../lib/scm';
import { LocationLink } from './LocationLink';
import { ClusterHref, FindingEffects } from './FindingEffects';
import { ColumnHeads } from './ColumnHeads';

/**
 * A cluster's checks, worst first: the rule, its outcome (icon and word),
 * the message with how to fix it and the cause it comes from, and the file
 * and line (linked to the SCM at the revision read).
 */
export function ChecksTable(props: {
  checks: CheckResult[];
  findings: Finding[];
  linker: LocationLinker;
  clusterHref: ClusterHref;
  caption: string;
}) {
  const { checks, findings, linker, clusterHref, caption } = props;
  const sorted = useMemo(
    () =>
      checks
        .map((check, index) => ({ check, index }))
        .sort(
          (a, b) =>
            checkRank(a.check) - checkRank(b.check) || a.index - b.index,
        )
        .map(({ check }) => check),
    [checks],
  );
  const byId = useMemo(
    () => new Map(findings.map(f => [f.id, f] as const)),
    [findings],
  );
  if (checks.length === 0) {
    return (
      <Typography variant="body2">No check ran for this cluster.</Typography>
    );
  }
  return (
    <Table size="small" aria-label={caption}>
      <ColumnHeads columns={['Rule', 'Outcome', 'Message', 'Where']} />
      <TableBody>
        {sorted.map((check, i) => {
          const cause = check.cause ? byId.get(check.cause) : undefined;
          return (
            <TableRow key={`${check.ruleId}-${i}`}>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>
                <Typography
                  variant="body2"
                  component="code"
                  sx={{ fontFamily: 'monospace' }}
                >
                  {check.ruleId}
                </Typography>
              </TableCell>
              <TableCell
                sx={{
                  wordBreak: 'normal',
                  // The outcome at the size of the message.
                  '& .MuiTypography-body1': { fontSize: '0.875rem' },
                }}
              >
                <OutcomeLabel check={check} />
              </TableCell>
              <TableCell sx={{ wordBreak: 'normal' }}>
                <Typography variant="body2">
                  <InlineCode text={check.message} />
                </Typography>
                {check.outcome === 'fail' && check.remediation && (
                  <Typography variant="body2" color="text.secondary">
                    How to fix: <InlineCode text={check.remediation} />
                  </Typography>
                )}
                {cause && (
                  <Box sx={{ mt: 0.5 }}>
                    <Typography variant="body2" color="text.secondary">
                      Cause: <InlineCode text={cause.message} />
                      {cause.location ? ' at ' : ''}
                      {cause.location && (
                        <LocationLink
                          location={cause.location}
                          linker={linker}
                        />
                      )}
                    </Typography>
                    <FindingEffects
                      finding={cause}
                      linker={linker}
                      clusterHref={clusterHref}
                    />
                  </Box>
                )}
              </TableCell>
              <TableCell sx={{ wordBreak: 'normal' }}>
                <LocationLink location={check.location} linker={linker} />
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
