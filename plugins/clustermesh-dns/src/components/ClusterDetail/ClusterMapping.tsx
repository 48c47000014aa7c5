import { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import {
  ClusterReport,
  hasRecord,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { StatusLabel } from '../../lib/status';
import type { LocationLinker } from '../../lib/scm';
import { LocationLink } from './LocationLink';
import { noRecord, poolText, recordText } from './mapping';

/** Whether the cluster is in the mesh: yes, no, or not known (some of its Cilium values were not read). */
function inTheMesh(cluster: Pick<ClusterReport, 'membership'>): string {
  if (cluster.membership.member) return 'Yes';
  return cluster.membership.unknown ? 'Not known' : 'No';
}

function Item(props: { term: string; children: ReactNode }) {
  return (
    <>
      <Typography
        component="dt"
        variant="body2"
        color="text.secondary"
        sx={{ fontWeight: 500 }}
      >
        {props.term}
      </Typography>
      <Typography component="dd" variant="body2" sx={{ m: 0 }}>
        {props.children}
      </Typography>
    </>
  );
}

const notSet = (
  <Typography component="span" variant="body2" color="text.secondary">
    not set
  </Typography>
);

/**
 * A cluster's FQDN → IP mapping, with where each value is written: the
 * FQDN as written and as Flux resolves it, the LB IP, its pool and block,
 * the DNS record and the declared status.
 */
export function ClusterMapping(props: {
  cluster: Omit<ClusterReport, 'checks'>;
  linker: LocationLinker;
  /** A line per value with its file and line. */
  withLocations?: boolean;
}) {
  const { cluster, linker, withLocations = true } = props;
  const where = (location?: { file: string; line: number }) =>
    withLocations && location ? (
      <Box component="span" sx={{ display: 'block' }}>
        <LocationLink location={location} linker={linker} />
      </Box>
    ) : null;
  return (
    <Box
      component="dl"
      sx={{
        display: 'grid',
        gridTemplateColumns: 'max-content 1fr',
        columnGap: 2,
        rowGap: 1,
        m: 0,
      }}
    >
      <Item term="FQDN">
        {cluster.fqdn ? (
          <>
            {cluster.fqdn.resolved}
            {cluster.fqdn.template !== cluster.fqdn.resolved && (
              <Box component="span" sx={{ display: 'block' }}>
                <Typography
                  component="span"
                  variant="body2"
                  color="text.secondary"
                >
                  as written: {cluster.fqdn.template}
                </Typography>
              </Box>
            )}
            {where(cluster.fqdn.location)}
          </>
        ) : (
          notSet
        )}
      </Item>
      <Item term="LB IP">
        {cluster.lbIp ? (
          <>
            {cluster.lbIp.value}
            {where(cluster.lbIp.location)}
          </>
        ) : (
          notSet
        )}
      </Item>
      <Item term="Pool">
        {cluster.pool ? (
          <>
            {poolText(cluster)}
            {where(cluster.pool.location)}
          </>
        ) : (
          <Typography component="span" variant="body2" color="text.secondary">
            {cluster.lbIp ? 'none holds the LB IP' : 'no LB IP set'}
          </Typography>
        )}
      </Item>
      <Item term="DNS record">
        {hasRecord(cluster) ? (
          recordText(cluster)
        ) : (
          <Typography component="span" variant="body2" color="text.secondary">
            {noRecord}
          </Typography>
        )}
        {where(cluster.record?.location)}
      </Item>
      <Item term="Declared status">
        <StatusLabel status={cluster.status} />
      </Item>
      <Item term="In the mesh">
        {inTheMesh(cluster)}: {cluster.membership.reason}
      </Item>
    </Box>
  );
}
