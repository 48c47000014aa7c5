import { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type {
  ClusterDetail,
  LiveCheckResult,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { LiveOutcomeLabel } from '../../lib/status';
import type { LocationLinker } from '../../lib/scm';
import { ChecksTable } from './ChecksTable';
import { PeersTable } from './PeersTable';
import { ClusterHref, FindingItem } from './FindingEffects';
import { ColumnHeads } from './ColumnHeads';

export type HeadingLevel = 2 | 3 | 4 | 5;

export function Section(props: {
  title: string;
  level: HeadingLevel;
  children: ReactNode;
}) {
  return (
    <Box component="section">
      <Typography
        variant="subtitle1"
        component={`h${props.level}`}
        sx={{ fontWeight: 600, mb: 0.5 }}
      >
        {props.title}
      </Typography>
      {props.children}
    </Box>
  );
}

/** The live checks of one cluster: what was found, or why it was not checked. */
export function LiveResultsTable(props: {
  cluster: string;
  results: LiveCheckResult[];
}) {
  return (
    <Table size="small" aria-label={`Live checks of ${props.cluster}`}>
      <ColumnHeads columns={['Check', 'Outcome', 'Message']} />
      <TableBody>
        {props.results.map(result => (
          <TableRow key={result.check}>
            <TableCell>
              <Typography
                variant="body2"
                component="code"
                sx={{ fontFamily: 'monospace' }}
              >
                {result.check}
              </Typography>
            </TableCell>
            <TableCell sx={{ whiteSpace: 'nowrap' }}>
              <LiveOutcomeLabel result={result} />
            </TableCell>
            <TableCell>{result.message}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/**
 * One cluster in full: its checks (with file links and causes), the
 * findings that concern it, its peers and, when they ran, its live checks.
 */
export function ClusterDetailView(props: {
  detail: ClusterDetail;
  linker: LocationLinker;
  clusterHref: ClusterHref;
  live?: LiveCheckResult[];
  headingLevel: HeadingLevel;
  /** Leave the peers out (the entity page shows them in a card of their own). */
  hidePeers?: boolean;
}) {
  const { detail, linker, clusterHref, live, headingLevel, hidePeers } = props;
  const cluster = detail.cluster;
  const causes = new Set(cluster.checks.map(c => c.cause).filter(Boolean));
  const otherFindings = detail.findings.filter(f => !causes.has(f.id));
  return (
    <Stack spacing={2}>
      {!cluster.membership.member && (
        <Typography variant="body2">
          {cluster.membership.unknown
            ? `Whether ${cluster.name} is in the mesh is not known: ${cluster.membership.reason}`
            : `${cluster.name} is outside the mesh: ${cluster.membership.reason}`}
        </Typography>
      )}
      <Section title={`Checks of ${cluster.name}`} level={headingLevel}>
        <ChecksTable
          checks={cluster.checks}
          findings={detail.findings}
          linker={linker}
          clusterHref={clusterHref}
          caption={`Checks of ${cluster.name}`}
        />
      </Section>
      {otherFindings.length > 0 && (
        <Section
          title={`Findings that concern ${cluster.name}`}
          level={headingLevel}
        >
          <Stack component="ul" spacing={1} sx={{ m: 0, pl: 2.5 }}>
            {otherFindings.map(finding => (
              <li key={finding.id}>
                <FindingItem
                  finding={finding}
                  linker={linker}
                  clusterHref={clusterHref}
                />
              </li>
            ))}
          </Stack>
        </Section>
      )}
      {!hidePeers && (
        <Section title={`Peers of ${cluster.name}`} level={headingLevel}>
          <PeersTable
            cluster={cluster.name}
            peers={detail.peers}
            missing={cluster.peers.missing}
          />
        </Section>
      )}
      {live && live.length > 0 && (
        <Section title={`Live checks of ${cluster.name}`} level={headingLevel}>
          <LiveResultsTable cluster={cluster.name} results={live} />
        </Section>
      )}
    </Stack>
  );
}
