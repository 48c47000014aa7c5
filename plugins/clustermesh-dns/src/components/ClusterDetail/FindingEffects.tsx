import { Link } from '@backstage/core-components';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type {
  Finding,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { InlineCode } from '../../lib/inlineCode';
import type { LocationLinker } from '../../lib/scm';
import { StatusText } from '../../lib/status';
import { LocationLink } from './LocationLink';

/** Where to see a cluster: a link, or nothing when there is no page to go to. */
export type ClusterHref = (cluster: string) => string | undefined;

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n} ${n === 1 ? one : many}`;

const sameLocation = (a?: SourceLocation, b?: SourceLocation) =>
  !!a && !!b && a.file === b.file && a.line === b.line;

/**
 * What one cause affects: how many places, in which clusters (each linked),
 * and the first few places with what is there.
 */
export function FindingEffects(props: {
  finding: Finding;
  linker: LocationLinker;
  clusterHref: ClusterHref;
}) {
  const { finding, linker, clusterHref } = props;
  const effects = finding.affects;
  if (!effects) return null;
  const clusters = effects.clusters;
  // A place at the finding's own location is shown with it already.
  const listed = effects.examples.filter(
    example => !sameLocation(example.location, finding.location),
  );
  const shown = effects.examples.length;
  return (
    <Box sx={{ mt: 0.5 }}>
      <Typography variant="body2" component="div">
        {`This cause affects ${plural(effects.count, 'place')}`}
        {clusters.length > 1 && ` in ${plural(clusters.length, 'cluster')}: `}
        {clusters.length === 1 && ' in cluster '}
        {clusters.map((cluster, i) => {
          const href = clusterHref(cluster);
          return (
            <span key={cluster}>
              {i > 0 ? ', ' : ''}
              {href ? (
                <Link to={href} aria-label={`Show cluster ${cluster}`}>
                  {cluster}
                </Link>
              ) : (
                cluster
              )}
            </span>
          );
        })}
      </Typography>
      {listed.length > 0 && (
        <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
          {listed.map(example => (
            <li key={`${example.location.file}:${example.location.line}`}>
              <Typography variant="body2" component="span">
                {example.what}
                {' — '}
              </Typography>
              <LocationLink location={example.location} linker={linker} />
            </li>
          ))}
        </Box>
      )}
      {shown > 0 && shown < effects.count && (
        <Typography variant="body2" color="text.secondary">
          {`${shown} of ${plural(effects.count, 'place')} shown`}
        </Typography>
      )}
    </Box>
  );
}

/** A finding's severity as an icon and a word: error, warning or not evaluated. */
export function FindingSeverity(props: {
  finding: Pick<Finding, 'code' | 'severity'>;
}) {
  const { code, severity } = props.finding;
  if (code === 'not-evaluated') {
    return <StatusText tone="pending">Not evaluated</StatusText>;
  }
  if (severity === 'error') return <StatusText tone="error">Error</StatusText>;
  if (severity === 'warning') {
    return <StatusText tone="warning">Warning</StatusText>;
  }
  return <StatusText tone="neutral">Info</StatusText>;
}

/** A finding: its message, where it is, and what it affects. */
export function FindingItem(props: {
  finding: Finding;
  linker: LocationLinker;
  clusterHref: ClusterHref;
}) {
  const { finding, linker, clusterHref } = props;
  return (
    <Box>
      <Box
        sx={{
          display: 'flex',
          alignItems: 'baseline',
          columnGap: 1,
          // The status words at the size of the message.
          '& .MuiTypography-body1': { fontSize: '0.875rem' },
        }}
      >
        <Box sx={{ flexShrink: 0 }}>
          <FindingSeverity finding={finding} />
        </Box>
        <Typography
          variant="body2"
          component="div"
          sx={{ minWidth: 0, overflowWrap: 'break-word' }}
        >
          <InlineCode text={finding.message} />
        </Typography>
      </Box>
      <LocationLink
        location={finding.location}
        linker={linker}
        unlocated={finding.unlocated}
      />
      <FindingEffects
        finding={finding}
        linker={linker}
        clusterHref={clusterHref}
      />
    </Box>
  );
}
