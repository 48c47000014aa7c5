import { Link } from '@backstage/core-components';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { Finding } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { LocationLinker } from '../../lib/scm';
import { LocationLink } from './LocationLink';

/** Where to see a cluster: a link, or nothing when there is no page to go to. */
export type ClusterHref = (cluster: string) => string | undefined;

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n} ${n === 1 ? one : many}`;

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
      {effects.examples.length > 0 && (
        <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
          {effects.examples.map(example => (
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
    </Box>
  );
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
      <Typography variant="body2" component="div">
        {finding.message}
      </Typography>
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
