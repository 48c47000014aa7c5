import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Stack from '@mui/material/Stack';
import useAsync from 'react-use/esm/useAsync';
import { clustermeshDnsApiRef } from '../../api';
import { SourceTable } from './SourceTable';

/** Every cluster of every configured source, with its FQDN → IP mapping and status. */
export function ClusterMeshDnsPage() {
  const api = useApi(clustermeshDnsApiRef);
  const { value, loading, error } = useAsync(async () => {
    const sources = await api.listSources();
    return Promise.all(sources.map(s => api.getReport(s.id)));
  }, [api]);

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value?.length) {
    return (
      <EmptyState
        missing="data"
        title="No GitOps repository configured"
        description="Add a source under clustermeshDns.sources in app-config.yaml."
      />
    );
  }
  return (
    <Stack spacing={3}>
      {value.map(result => (
        <SourceTable key={result.source.id} result={result} />
      ))}
    </Stack>
  );
}
