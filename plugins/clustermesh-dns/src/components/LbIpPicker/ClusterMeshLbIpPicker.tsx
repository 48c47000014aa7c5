import { useMemo } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControl from '@mui/material/FormControl';
import FormHelperText from '@mui/material/FormHelperText';
import FormLabel from '@mui/material/FormLabel';
import IconButton from '@mui/material/IconButton';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import DeleteIcon from '@mui/icons-material/Delete';
import useAsync from 'react-use/esm/useAsync';
import {
  ClusterPool,
  formatLocation,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { clustermeshDnsApiRef } from '../../api';
import type { ClusterEntry } from '../../lib/configure';
import { canonicalAddress } from '../../lib/ip';
import {
  formTarget,
  LbIpPickerOptions,
  resolveFieldSource,
} from './fieldSource';
import { usePools, PoolState } from './usePools';
import { admittingPools, EntryProblem, validateEntries } from './validation';

const shownUses = 8;

/** What a valid address is, as far as the field knows. */
function ipHint(entry: ClusterEntry, pool: ClusterPool | undefined): string {
  if (!entry.ip) return ' ';
  if (!pool) return 'A valid address';
  if (
    pool.current &&
    canonicalAddress(pool.current) === canonicalAddress(entry.ip)
  )
    return `The current LB IP of ${entry.name}`;
  return 'Free, inside the pool';
}

/** A cluster's pools, the addresses in use and by what, and a free one to take. */
function PoolInfo(props: {
  cluster: string;
  state?: PoolState;
  ip: string;
  onUse: (ip: string) => void;
}) {
  const { cluster, state, ip, onUse } = props;
  if (!state) return null;
  if (state.loading) {
    return (
      <Box>
        <Typography variant="caption">
          Loading the pools of {cluster}…
        </Typography>
        <LinearProgress aria-label={`Loading the pools of ${cluster}`} />
      </Box>
    );
  }
  if (state.error || !state.value) {
    return (
      <Typography variant="caption" color="text.secondary">
        The pools of {cluster} cannot be loaded:{' '}
        {state.error?.message ?? 'no answer'}
      </Typography>
    );
  }
  const pool: ClusterPool = state.value;
  const admitting = admittingPools(pool);
  const others = pool.pools.filter(p => !admitting.includes(p));
  return (
    <Stack spacing={0.5} sx={{ pl: 1 }}>
      <Typography variant="body2">
        {admitting.length > 0
          ? `Pools of ${cluster}: ${admitting
              .map(p => `${p.name} (${p.blocks.join(', ')})`)
              .join('; ')} · ${pool.free} free`
          : `${cluster} has no enabled pool that admits the clustermesh-apiserver service`}
      </Typography>
      {others.length > 0 && (
        <Typography variant="caption" color="text.secondary">
          Not usable:{' '}
          {others
            .map(
              p =>
                `${p.name} (${
                  p.disabled
                    ? 'disabled'
                    : 'its serviceSelector does not admit the clustermesh-apiserver'
                })`,
            )
            .join('; ')}
        </Typography>
      )}
      {pool.suggestion && (
        <Stack direction="row" spacing={1} alignItems="center">
          <Typography variant="body2">
            Suggested free address: <strong>{pool.suggestion}</strong>
          </Typography>
          {pool.suggestion !== ip && (
            <Button
              size="small"
              variant="outlined"
              onClick={() => onUse(pool.suggestion!)}
              aria-label={`Use ${pool.suggestion} for ${cluster}`}
            >
              Use {pool.suggestion}
            </Button>
          )}
        </Stack>
      )}
      {pool.used.length > 0 && (
        <Box>
          <Typography variant="body2">In use in these pools:</Typography>
          <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
            {pool.used.slice(0, shownUses).map(use => (
              <Typography component="li" variant="body2" key={use.address}>
                <Box component="code" sx={{ fontFamily: 'monospace' }}>
                  {use.address}
                </Box>
                {' — '}
                {use.usedBy
                  .map(
                    u =>
                      `${u.what}${u.cluster ? ` (${u.cluster})` : ''}${
                        u.location ? `, ${formatLocation(u.location)}` : ''
                      }`,
                  )
                  .join('; ')}
              </Typography>
            ))}
          </Box>
          {pool.used.length > shownUses && (
            <Typography variant="caption" color="text.secondary">
              and {pool.used.length - shownUses} more
            </Typography>
          )}
        </Box>
      )}
    </Stack>
  );
}

/**
 * The scaffolder field `ClusterMeshLbIpPicker`: the template's list of
 * clusters with the LB IP of each one's clustermesh-apiserver. The source
 * comes from the form (`repoUrl`, or `source: example`); for each cluster it
 * shows the pools, the addresses in use and a free one, and checks the
 * address as it is typed.
 */
export function ClusterMeshLbIpPicker(
  props: FieldExtensionComponentProps<ClusterEntry[], LbIpPickerOptions>,
) {
  const {
    formData,
    onChange,
    formContext,
    uiSchema,
    schema,
    rawErrors,
    required,
    disabled,
    readonly,
    idSchema,
  } = props;
  const api = useApi(clustermeshDnsApiRef);
  const entries = useMemo(
    () => (Array.isArray(formData) ? formData : []),
    [formData],
  );
  const options = uiSchema?.['ui:options'];
  const { sourceId, repoUrl } = formTarget(
    (formContext as { formData?: Record<string, unknown> } | undefined)
      ?.formData,
    options,
  );
  const target = useAsync(
    () => resolveFieldSource(api, { sourceId, repoUrl }),
    [api, sourceId, repoUrl],
  );
  const source = target.value?.source;
  const report = useAsync(
    async () => (source ? api.getReport(source.id) : undefined),
    [api, source?.id],
  );
  const known = report.value?.report?.clusters.filter(
    c => c.status !== 'outside',
  );
  const knownNames = known?.map(c => c.name) ?? [];
  const names = useMemo(
    () => [...new Set(entries.map(e => e.name).filter(Boolean))],
    [entries],
  );
  const pools = usePools(api, source?.id, names);
  const poolValues = useMemo(
    () =>
      Object.fromEntries(Object.entries(pools).map(([k, v]) => [k, v.value])),
    [pools],
  );
  const problems = useMemo(
    () =>
      validateEntries(entries, {
        clusters: known?.map(c => c.name),
        sourceTitle: source?.title,
        pools: poolValues,
      }),
    [entries, known, source?.title, poolValues],
  );
  // an empty field is not an error before the user asks to go on (the
  // form's own check then says it)
  const submitted = !!rawErrors?.length;
  const problemOf = (index: number, field: EntryProblem['field']) =>
    problems.find(
      p =>
        p.index === index &&
        p.field === field &&
        (submitted ||
          (field === 'ip' ? entries[index].ip : entries[index].name)),
    )?.message;
  // errors of the form's check that a row already shows are not repeated
  const shownAtRows = problems.map(p => p.message);
  const otherErrors = (rawErrors ?? []).filter(
    error => !shownAtRows.some(message => error.endsWith(`: ${message}`)),
  );

  const update = (index: number, patch: Partial<ClusterEntry>) =>
    onChange(entries.map((e, i) => (i === index ? { ...e, ...patch } : e)));
  const chooseCluster = (index: number, name: string) => {
    const current = known?.find(c => c.name === name)?.lbIp?.value;
    const entry = entries[index];
    update(index, {
      name,
      ...(!entry.ip && current ? { ip: current } : {}),
    });
  };
  const id = idSchema?.$id ?? 'clusters';
  const title = schema?.title ?? 'Clusters';
  const locked = disabled || readonly;

  return (
    <FormControl
      component="fieldset"
      fullWidth
      required={required}
      error={!!rawErrors?.length}
      margin="normal"
    >
      <FormLabel component="legend">{title}</FormLabel>
      {schema?.description && (
        <FormHelperText sx={{ ml: 0 }}>{schema.description}</FormHelperText>
      )}
      <Box sx={{ my: 1 }}>
        {target.loading && <LinearProgress aria-label="Finding the source" />}
        {source && (
          <Typography variant="body2" color="text.secondary">
            Checked against the ClusterMesh DNS source {source.title}
            {source.repository
              ? ` (${source.repository.host}/${source.repository.owner}/${source.repository.name})`
              : ''}
            .
          </Typography>
        )}
        {target.value?.reason && (
          <Alert severity="info">{target.value.reason}</Alert>
        )}
        {target.error && (
          <Alert severity="warning">
            The ClusterMesh DNS source cannot be found: {target.error.message}
          </Alert>
        )}
      </Box>
      <Stack spacing={2}>
        {entries.map((entry, index) => {
          const nameProblem = problemOf(index, 'name');
          const ipProblem = problemOf(index, 'ip');
          const label = entry.name || `cluster ${index + 1}`;
          return (
            <Box
              key={index}
              role="group"
              aria-label={`Cluster ${index + 1}${
                entry.name ? `: ${entry.name}` : ''
              }`}
              sx={{
                border: 1,
                borderColor: 'divider',
                borderRadius: 1,
                p: 1.5,
              }}
            >
              <Stack
                direction={{ xs: 'column', sm: 'row' }}
                spacing={2}
                alignItems="flex-start"
              >
                {known ? (
                  <TextField
                    id={`${id}_${index}_name`}
                    select
                    label="Cluster"
                    value={entry.name ?? ''}
                    onChange={e => chooseCluster(index, e.target.value)}
                    SelectProps={{ native: true }}
                    InputLabelProps={{ shrink: true }}
                    error={!!nameProblem}
                    helperText={nameProblem}
                    disabled={locked}
                    sx={{ minWidth: 180 }}
                  >
                    <option value="">Choose a cluster</option>
                    {knownNames.map(n => (
                      <option key={n} value={n}>
                        {n}
                      </option>
                    ))}
                    {entry.name && !knownNames.includes(entry.name) && (
                      <option value={entry.name}>{entry.name}</option>
                    )}
                  </TextField>
                ) : (
                  <TextField
                    id={`${id}_${index}_name`}
                    label="Cluster"
                    value={entry.name ?? ''}
                    onChange={e => update(index, { name: e.target.value })}
                    error={!!nameProblem}
                    helperText={
                      nameProblem ?? 'Its folder under the clusters path'
                    }
                    disabled={locked}
                  />
                )}
                <TextField
                  id={`${id}_${index}_ip`}
                  label="LB IP"
                  value={entry.ip ?? ''}
                  onChange={e => update(index, { ip: e.target.value })}
                  error={!!ipProblem}
                  helperText={
                    ipProblem ?? ipHint(entry, pools[entry.name]?.value)
                  }
                  disabled={locked}
                  inputProps={{ spellCheck: false, autoComplete: 'off' }}
                  sx={{ minWidth: 220 }}
                />
                <IconButton
                  aria-label={`Remove ${label}`}
                  onClick={() =>
                    onChange(entries.filter((_, i) => i !== index))
                  }
                  disabled={locked}
                  sx={{ mt: 1 }}
                >
                  <DeleteIcon />
                </IconButton>
              </Stack>
              {entry.name && (
                <PoolInfo
                  cluster={entry.name}
                  state={pools[entry.name]}
                  ip={entry.ip ?? ''}
                  onUse={ip => update(index, { ip })}
                />
              )}
            </Box>
          );
        })}
      </Stack>
      <Box sx={{ mt: 1 }}>
        <Button
          startIcon={<AddIcon />}
          onClick={() => onChange([...entries, { name: '', ip: '' }])}
          disabled={locked}
        >
          Add cluster
        </Button>
      </Box>
      {otherErrors.map(error => (
        <FormHelperText key={error} error>
          {error}
        </FormHelperText>
      ))}
    </FormControl>
  );
}
