import { Link } from '@backstage/core-components';
import Typography from '@mui/material/Typography';
import {
  formatLocation,
  SourceLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { Breakable } from '../../lib/breakable';
import type { LocationLinker } from '../../lib/scm';

/**
 * `path:line`, linked to the file and line in the SCM at the revision read
 * when the source is a repository; plain text for a local folder.
 */
export function LocationLink(props: {
  location?: SourceLocation;
  linker: LocationLinker;
  /** Why there is no location, when there is none. */
  unlocated?: string;
}) {
  const { location, linker, unlocated } = props;
  if (!location) {
    return (
      <Typography variant="body2" component="span" color="text.secondary">
        {unlocated ?? 'no location'}
      </Typography>
    );
  }
  const text = formatLocation(location);
  const href = linker(location);
  const code = (
    <Typography
      variant="body2"
      component="code"
      sx={{ fontFamily: 'monospace', overflowWrap: 'break-word' }}
    >
      <Breakable text={text} after="/" />
    </Typography>
  );
  if (!href) return code;
  return (
    <Link to={href} title={`${text} in the repository`}>
      {code}
    </Link>
  );
}
