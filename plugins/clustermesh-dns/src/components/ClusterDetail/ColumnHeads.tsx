import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';

/** The header row of the cluster detail tables: one column heading per name. */
export function ColumnHeads(props: { columns: string[] }) {
  return (
    <TableHead>
      <TableRow>
        {props.columns.map(column => (
          <TableCell
            key={column}
            component="th"
            scope="col"
            // Whole words: the theme breaks words anywhere ("Outcom/e").
            sx={{ wordBreak: 'normal' }}
          >
            {column}
          </TableCell>
        ))}
      </TableRow>
    </TableHead>
  );
}
