import { Fragment, memo, useEffect, useRef, useState } from 'react';
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
import { visuallyHidden } from '../../lib/visuallyHidden';
import { Breakable } from '../../lib/breakable';
import { recordParts, recordText } from '../ClusterDetail/mapping';
import type { ClusterHref } from '../ClusterDetail/FindingEffects';
import { ExpandedCluster } from './ExpandedCluster';
import type { ClusterRow } from './rows';

// The statuses come right after the cluster: a narrow window that must
// scroll still shows them.
const columns: { key: SortKey; title: string }[] = [
  { key: 'source', title: 'Source' },
  { key: 'cluster', title: 'Cluster' },
  { key: 'declared', title: 'Declared' },
  { key: 'live', title: 'Live' },
  { key: 'fqdn', title: 'FQDN' },
  { key: 'ip', title: 'LB IP' },
  { key: 'pool', title: 'Pool' },
  { key: 'record', title: 'DNS record' },
];

/**
 * Denser than the theme's cells (20px on the left), so that the table fits
 * its container; text wraps at its own break points (words, the `<wbr>` of
 * FQDNs and ranges), never in the middle of a word.
 */
const cellSx = { px: 1, wordBreak: 'normal' } as const;

/**
 * The statuses at the size of the other cells' text, on one line where the
 * window is wide enough; wrapped ("Not / evaluated") only where it is not.
 */
const statusCellSx = {
  ...cellSx,
  whiteSpace: { lg: 'nowrap' },
  '& .MuiTypography-body1': { fontSize: '0.875rem' },
} as const;

const toggleCellSx = { pl: 0.5, pr: 0 } as const;

const muted = (text: string) => (
  <Typography component="span" variant="body2" color="text.secondary">
    {text}
  </Typography>
);

/** The record's parts, each kept on one line; the cell wraps between them. */
function RecordText(props: { cluster: ClusterRow['cluster'] }) {
  const parts = recordParts(props.cluster);
  if (parts.length === 0) return muted(recordText(props.cluster) ?? 'none');
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={part}>
          {i > 0 && ' · '}
          <Box component="span" sx={{ whiteSpace: 'nowrap' }}>
            {part}
          </Box>
        </Fragment>
      ))}
    </>
  );
}

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
        <TableCell padding="checkbox" sx={toggleCellSx}>
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
        {showSource && (
          <TableCell sx={cellSx}>
            <Breakable text={row.state.source.title} after="/" />
          </TableCell>
        )}
        <TableCell
          component="th"
          scope="row"
          sx={{ ...cellSx, fontWeight: 500 }}
        >
          {c.name}
        </TableCell>
        <TableCell sx={statusCellSx}>
          <StatusLabel status={c.status} />
        </TableCell>
        <TableCell sx={statusCellSx}>
          <LiveStatusLabel status={row.live} ran={row.liveRan} />
        </TableCell>
        <TableCell sx={cellSx}>
          {c.fqdn ? (
            <>
              <Typography variant="body2">
                <Breakable text={c.fqdn.resolved} after=".:" />
              </Typography>
              {c.fqdn.template !== c.fqdn.resolved && (
                <Typography
                  variant="caption"
                  color="text.secondary"
                  component="div"
                >
                  as written: <Breakable text={c.fqdn.template} after=".:" />
                </Typography>
              )}
            </>
          ) : (
            muted('not set')
          )}
        </TableCell>
        <TableCell sx={cellSx}>
          {c.lbIp ? (
            <Breakable text={c.lbIp.value} after=":" />
          ) : (
            muted('not set')
          )}
        </TableCell>
        <TableCell sx={cellSx}>
          {c.pool ? (
            <>
              <Typography variant="body2">{c.pool.name}</Typography>
              <Typography
                variant="caption"
                color="text.secondary"
                component="div"
              >
                <Breakable text={c.pool.block} after="-/:" />
              </Typography>
            </>
          ) : (
            muted(c.lbIp ? 'none' : 'no LB IP')
          )}
        </TableCell>
        <TableCell sx={cellSx}>
          <RecordText cluster={c} />
        </TableCell>
      </TableRow>
      {expanded && (
        <TableRow>
          <TableCell
            colSpan={columnCount}
            id={detailId(row.key)}
            sx={{ bgcolor: 'action.hover' }}
          >
            {/* No width of its own: the table's columns set its width, and
                what does not fit scrolls here instead of widening them. */}
            <Box sx={{ py: 1, width: 0, minWidth: '100%', overflowX: 'auto' }}>
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
              <TableCell padding="checkbox" sx={toggleCellSx}>
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
                    sx={cellSx}
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
