import express from 'express';
import Router from 'express-promise-router';
import { NotFoundError } from '@backstage/errors';
import type { HttpAuthService } from '@backstage/backend-plugin-api';
import type { ReportService } from './service/ReportService';

/** @public */
export async function createRouter(options: {
  httpAuth: HttpAuthService;
  reports: ReportService;
}): Promise<express.Router> {
  const { httpAuth, reports } = options;
  const router = Router();
  router.use(express.json());

  router.get('/sources', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json({
      items: reports
        .list()
        .map(s => ({ id: s.id, title: s.title, type: s.type })),
    });
  });

  router.get('/sources/:id/report', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const source = reports.get(req.params.id);
    if (!source)
      throw new NotFoundError(`No ClusterMesh DNS source "${req.params.id}"`);
    res.json(reports.report(source));
  });

  return router;
}
