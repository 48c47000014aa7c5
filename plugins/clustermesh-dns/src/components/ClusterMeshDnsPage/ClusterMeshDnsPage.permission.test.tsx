import { screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { clustermeshDnsApiRef } from '../../api';
import {
  createClient,
  exampleAfterReport,
  exampleSource,
  serveBackend,
  sourceReport,
} from '../../__testUtils__/backend';
import { ClusterMeshDnsPage } from './ClusterMeshDnsPage';

// In a file of its own: permission answers are cached per permission for
// the life of the module, so a denial must not meet the allowing tests.
describe('ClusterMeshDnsPage without the live-check permission', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  it('hides "Run live checks" and keeps the other actions', async () => {
    const permission = mockApis.permission({ authorize: AuthorizeResult.DENY });
    const authorize = jest.spyOn(permission, 'authorize');
    serveBackend(server, {
      sources: [exampleSource],
      reports: { example: sourceReport(exampleSource, exampleAfterReport) },
    });
    renderInTestApp(<ClusterMeshDnsPage />, {
      apis: [[clustermeshDnsApiRef, createClient()], permission],
    });
    expect(await screen.findByText('2 clusters')).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: `Refresh ${exampleSource.title}` }),
    ).toBeInTheDocument();
    expect(authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: expect.objectContaining({
          name: 'clustermesh-dns.live.run',
        }),
      }),
    );
    expect(
      screen.queryByRole('button', { name: /Run live checks/ }),
    ).not.toBeInTheDocument();
  });
});
