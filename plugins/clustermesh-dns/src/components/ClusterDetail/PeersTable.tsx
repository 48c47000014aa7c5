import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { PeerState } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { StatusText } from '../../lib/status';
import { ColumnHeads } from './ColumnHeads';

function KnowsLabel(props: { knows: PeerState['knowsThisCluster'] }) {
  if (props.knows === true) return <StatusText tone="ok">Yes</StatusText>;
  if (props.knows === false) return <StatusText tone="error">No</StatusText>;
  return <StatusText tone="pending">Unknown</StatusText>;
}

/**
 * A cluster's peers: the variable that holds each peer's FQDN here, its
 * value, and whether the peer knows this cluster by its FQDN.
 */
export function PeersTable(props: {
  cluster: string;
  peers: PeerState[];
  missing?: string[];
}) {
  const { cluster, peers, missing = [] } = props;
  if (peers.length === 0 && missing.length === 0) {
    return (
      <Typography variant="body2">
        {cluster} has no peer in the mesh.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label={`Peers of ${cluster}`}>
      <ColumnHeads
        columns={['Peer', 'Its FQDN here', `Knows ${cluster} by FQDN`]}
      />
      <TableBody>
        {peers.map(peer => (
          <TableRow key={peer.peer}>
            <TableCell>{peer.peer}</TableCell>
            <TableCell>
              <Typography
                variant="body2"
                component="code"
                sx={{ fontFamily: 'monospace' }}
              >
                {peer.variable}
              </Typography>
              <Typography variant="body2" color="text.secondary">
                {peer.value ?? 'not set'}
              </Typography>
            </TableCell>
            <TableCell>
              <KnowsLabel knows={peer.knowsThisCluster} />
            </TableCell>
          </TableRow>
        ))}
        {missing
          .filter(name => !peers.some(p => p.peer === name))
          .map(name => (
            <TableRow key={name}>
              <TableCell>{name}</TableCell>
              <TableCell>
                <StatusText tone="error">No variable</StatusText>
              </TableCell>
              <TableCell>
                <StatusText tone="pending">Unknown</StatusText>
              </TableCell>
            </TableRow>
          ))}
      </TableBody>
    </Table>
  );
}
