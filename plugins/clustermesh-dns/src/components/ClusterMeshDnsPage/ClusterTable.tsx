import { memo, useEffect, useRef, useState } from 'react';
import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import TableSortLabel from '@mui/material/TableSortLabel';
import Typography from '@mui/material/Typography';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowRightIcon from '@mui/icons-material/KeyboardArrowRight';
import { LiveStatusLabel, StatusLabel } from '../../lib/status';
import type { SortKey, ViewState } from '../../lib/viewState';
import { recordText } from '../ClusterDetail/mapping';
import type { ClusterHref } from '../ClusterDetail/FindingEffects';
import { ExpandedCluster } from './ExpandedCluster';
import type { ClusterRow } from './rows';

const columns: { key: SortKey; title: string }[] = [
  { key: 'source', title: 'Source' },
  { key: 'cluster', title: 'Cluster' },
  { key: 'fqdn', title: 'FQDN' },
  { key: 'ip', title: 'LB IP' },
  { key: 'pool', title: 'Pool' },
  { key: 'record', title: 'DNS record' },
  { key: 'declared', title: 'Declared' },
  { key: 'live', title: 'Live' },
];

const muted = (text: string) => (
  <Typography component="span" variant="body2" color="text.secondary">
    {text}
  </Typography>
);

const visuallyHidden = {
  border: 0,
  clip: 'rect(0 0 0 0)',
  height: '1px',
  margin: '-1px',
  overflow: 'hidden',
  padding: 0,
  position: 'absolute',
  whiteSpace: 'nowrap',
  width: '1px',
} as const;

const detailId = (key: string) =>
  `clustermesh-dns-checks-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** One cluster's row; rendering stays cheap (no request until expanded). */
const ClusterTableRow = memo(function TableRowOfCluster(props: {
  row: ClusterRow;
  showSource: boolean;
  expanded: boolean;
  onToggle: (key: string) => void;
  clusterHrefFor: (sourceId: string) => ClusterHref;
  columnCount: number;
}) {
  const { row, showSource, expanded, onToggle, clusterHrefFor, columnCount } =
    props;
  const c = row.cluster;
  return (
    <>
      <TableRow
        hover
        sx={{ '& > td': { borderBottom: expanded ? 0 : undefined } }}
      >
        <TableCell padding="checkbox">
          <IconButton
            size="small"
            aria-expanded={expanded}
            aria-controls={expanded ? detailId(row.key) : undefined}
            aria-label={`${expanded ? 'Hide' : 'Show'} the checks of ${c.name}${
              showSource ? ` in ${row.state.source.title}` : ''
            }`}
            onClick={() => onToggle(row.key)}
          >
            {expanded ? <KeyboardArrowDownIcon /> : <KeyboardArrowRightIcon />}
          </IconButton>
        </TableCell>
        {showSource && <TableCell>{row.state.source.title}</TableCell>}
        <TableCell component="th" scope="row" sx={{ fontWeight: 500 }}>
          {c.name}
        </TableCell>
        <TableCell>
          {c.fqdn ? (
            <>
              <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
                {c.fqdn.resolved}
              </Typography>
              {c.fqdn.template !== c.fqdn.resolved && (
                <Typography
                  variant="caption"
                  color="text.secondary"
                  component="div"
                  sx={{ overflowWrap: 'anywhere' }}
                >
                  as written: {c.fqdn.template}
                </Typography>
              )}
            </>
          ) : (
            muted('not set')
          )}
        </TableCell>
        <TableCell sx={{ whiteSpace: 'nowrap' }}>
          {c.lbIp?.value ?? muted('not set')}
        </TableCell>
        <TableCell>
          {c.pool ? (
            <>
              <Typography variant="body2">{c.pool.name}</Typography>
              <Typography
                variant="caption"
                color="text.secondary"
                sx={{ whiteSpace: 'nowrap' }}
              >
                {c.pool.block}
              </Typography>
            </>
          ) : (
            muted('none')
          )}
        </TableCell>
        <TableCell sx={{ whiteSpace: 'nowrap' }}>
          {recordText(c) ?? muted('none')}
        </TableCell>
        <TableCell sx={{ whiteSpace: 'nowrap' }}>
          <StatusLabel status={c.status} />
        </TableCell>
        <TableCell sx={{ whiteSpace: 'nowrap' }}>
          <LiveStatusLabel status={row.live} ran={row.liveRan} />
        </TableCell>
      </TableRow>
      {expanded && (
        <TableRow>
          <TableCell
            colSpan={columnCount}
            id={detailId(row.key)}
            sx={{ bgcolor: 'action.hover' }}
          >
            <Box sx={{ py: 1 }}>
              <ExpandedCluster
                row={row}
                clusterHref={clusterHrefFor(row.state.source.id)}
              />
            </Box>
          </TableCell>
        </TableRow>
      )}
    </>
  );
});

/**
 * The clusters, one row each, sortable by every column and paginated so
 * that a mesh of hundreds of clusters renders one page at a time.
 */
export function ClusterTable(props: {
  rows: ClusterRow[];
  showSource: boolean;
  view: Pick<ViewState, 'sort' | 'dir' | 'open'>;
  onSort: (sort: SortKey, dir: 'asc' | 'desc') => void;
  onToggle: (key: string) => void;
  clusterHrefFor: (sourceId: string) => ClusterHref;
  /** Changes when the filters change, to go back to the first page. */
  filterKey: string;
}) {
  const {
    rows,
    showSource,
    view,
    onSort,
    onToggle,
    clusterHrefFor,
    filterKey,
  } = props;
  const [rowsPerPage, setRowsPerPage] = useState(50);
  const [page, setPage] = useState(() => {
    // A shared URL with an expanded row opens on the page that shows it.
    const first = rows.findIndex(r => view.open.includes(r.key));
    return first > 0 ? Math.floor(first / 50) : 0;
  });
  const lastFilter = useRef(filterKey);
  useEffect(() => {
    if (lastFilter.current !== filterKey) {
      lastFilter.current = filterKey;
      setPage(0);
    }
  }, [filterKey]);
  const pageCount = Math.max(1, Math.ceil(rows.length / rowsPerPage));
  const current = Math.min(page, pageCount - 1);
  const shown = rows.slice(current * rowsPerPage, (current + 1) * rowsPerPage);
  const visibleColumns = columns.filter(c => showSource || c.key !== 'source');
  const open = new Set(view.open);

  return (
    <Box>
      <TableContainer>
        <Table size="small" aria-label="Clusters">
          <TableHead>
            <TableRow>
              <TableCell padding="checkbox">
                <Box component="span" sx={visuallyHidden}>
                  Checks
                </Box>
              </TableCell>
              {visibleColumns.map(column => {
                const active = view.sort === column.key;
                return (
                  <TableCell
                    key={column.key}
                    sortDirection={active ? view.dir : false}
                    sx={{ whiteSpace: 'nowrap' }}
                  >
                    <TableSortLabel
                      active={active}
                      direction={active ? view.dir : 'asc'}
                      onClick={() =>
                        onSort(
                          column.key,
                          active && view.dir === 'asc' ? 'desc' : 'asc',
                        )
                      }
                    >
                      {column.title}
                    </TableSortLabel>
                  </TableCell>
                );
              })}
            </TableRow>
          </TableHead>
          <TableBody>
            {shown.map(row => (
              <ClusterTableRow
                key={row.key}
                row={row}
                showSource={showSource}
                expanded={open.has(row.key)}
                onToggle={onToggle}
                clusterHrefFor={clusterHrefFor}
                columnCount={visibleColumns.length + 1}
              />
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {rows.length > 25 && (
        <TablePagination
          component="div"
          count={rows.length}
          page={current}
          rowsPerPage={rowsPerPage}
          rowsPerPageOptions={[25, 50, 100]}
          labelRowsPerPage="Clusters per page:"
          onPageChange={(_, next) => setPage(next)}
          onRowsPerPageChange={event => {
            setRowsPerPage(Number(event.target.value));
            setPage(0);
          }}
        />
      )}
    </Box>
  );
}
