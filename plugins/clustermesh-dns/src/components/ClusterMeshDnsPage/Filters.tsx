import { FormEvent, useEffect, useState } from 'react';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type {
  DeclaredStatus,
  SourceSummary,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { statusLabels, statusOrder } from '../../lib/status';
import type { ViewState } from '../../lib/viewState';

/** The branch, tag or commit to read the repository sources at. */
export function RefField(props: {
  value?: string;
  onChange: (ref: string | undefined) => void;
  hasRepositorySources: boolean;
}) {
  const { value, onChange, hasRepositorySources } = props;
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange(text.trim() || undefined);
  };
  return (
    <Stack
      component="form"
      direction="row"
      spacing={1}
      alignItems="flex-start"
      onSubmit={submit}
      aria-label="Ref"
    >
      <TextField
        id="clustermesh-dns-ref"
        size="small"
        label="Branch, tag or commit"
        value={text}
        onChange={e => setText(e.target.value)}
        helperText={
          hasRepositorySources
            ? 'Empty: the configured branch'
            : 'Only repository sources have refs'
        }
      />
      <Button type="submit" variant="outlined" sx={{ mt: '4px' }}>
        Show ref
      </Button>
      {value && (
        <Button
          variant="text"
          sx={{ mt: '4px' }}
          onClick={() => onChange(undefined)}
        >
          Configured branch
        </Button>
      )}
    </Stack>
  );
}

/**
 * Search (cluster, FQDN, IP), the declared statuses shown and a failing
 * rule; the page keeps them in the URL.
 */
export function Filters(props: {
  view: ViewState;
  onChange: (
    patch: Partial<ViewState>,
    options?: { replace?: boolean },
  ) => void;
  counts: Record<DeclaredStatus, number>;
  rules: string[];
  sources: SourceSummary[];
}) {
  const { view, onChange, counts, rules, sources } = props;
  // The box answers each keystroke at once; the URL follows (replacing, not
  // stacking history entries) and a URL changed elsewhere comes back here.
  const [search, setSearch] = useState(view.q);
  useEffect(() => setSearch(view.q), [view.q]);
  const filtered =
    !!view.q || view.status.length > 0 || !!view.rule || !!view.source;

  return (
    <Stack spacing={2}>
      <Stack
        direction="row"
        spacing={2}
        flexWrap="wrap"
        useFlexGap
        alignItems="flex-start"
      >
        <TextField
          id="clustermesh-dns-search"
          size="small"
          type="search"
          label="Search clusters, FQDNs or IPs"
          value={search}
          onChange={e => {
            setSearch(e.target.value);
            onChange({ q: e.target.value }, { replace: true });
          }}
          sx={{ minWidth: 280 }}
        />
        {sources.length > 1 && (
          <TextField
            id="clustermesh-dns-source"
            select
            size="small"
            label="Source"
            value={view.source ?? ''}
            onChange={e => onChange({ source: e.target.value || undefined })}
            SelectProps={{ native: true }}
            InputLabelProps={{ shrink: true }}
          >
            <option value="">All sources</option>
            {sources.map(s => (
              <option key={s.id} value={s.id}>
                {s.title}
              </option>
            ))}
          </TextField>
        )}
        <TextField
          id="clustermesh-dns-rule"
          select
          size="small"
          label="Failing rule"
          value={view.rule ?? ''}
          onChange={e => onChange({ rule: e.target.value || undefined })}
          SelectProps={{ native: true }}
          InputLabelProps={{ shrink: true }}
          sx={{ minWidth: 200 }}
        >
          <option value="">Any rule</option>
          {rules.map(rule => (
            <option key={rule} value={rule}>
              {rule}
            </option>
          ))}
          {view.rule && !rules.includes(view.rule) && (
            <option value={view.rule}>{view.rule}</option>
          )}
        </TextField>
      </Stack>
      <Stack
        direction="row"
        spacing={2}
        flexWrap="wrap"
        useFlexGap
        alignItems="center"
      >
        <Typography variant="body2" id="clustermesh-dns-status-label">
          Declared status
        </Typography>
        <ToggleButtonGroup
          size="small"
          value={view.status}
          aria-labelledby="clustermesh-dns-status-label"
          onChange={(_, value: DeclaredStatus[]) =>
            onChange({
              status: statusOrder.filter(s => value.includes(s)),
            })
          }
        >
          {statusOrder.map(status => (
            <ToggleButton
              key={status}
              value={status}
              sx={{ textTransform: 'none' }}
            >
              {statusLabels[status]} ({counts[status]})
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
        {filtered && (
          <Button
            size="small"
            onClick={() => {
              setSearch('');
              onChange({
                q: '',
                status: [],
                rule: undefined,
                source: undefined,
              });
            }}
          >
            Clear filters
          </Button>
        )}
      </Stack>
    </Stack>
  );
}
