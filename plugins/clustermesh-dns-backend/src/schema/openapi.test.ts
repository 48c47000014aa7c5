import fs from 'node:fs';
import type {
  ClusterDetail,
  ClusterPool,
  LiveReport,
  RepositoryMatch,
  SourceReport,
  SourceSummary,
  StaleState,
} from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import type { components } from './openapi.types';

type Documented = components['schemas'];

// Compile-time: `yarn tsc` fails when the common package's types (what the
// plugin answers and the typed client reads) drift from the document.
// What the plugin answers fits the document...
const answersFitTheDocument = {
  sourceSummary: (x: SourceSummary): Documented['SourceSummary'] => x,
  sourceReport: (x: SourceReport): Documented['SourceReport'] => x,
  clusterDetail: (x: ClusterDetail): Documented['ClusterDetail'] => x,
  clusterPool: (x: ClusterPool): Documented['ClusterPool'] => x,
  repositoryMatch: (x: RepositoryMatch): Documented['RepositoryMatch'] => x,
  liveReport: (x: LiveReport): Documented['LiveReport'] => x,
};
// ...and what the document promises is what the client reads (the report's
// own rows are the engine's MeshReport, described more loosely).
const theDocumentFitsTheClient = {
  sourceSummary: (x: Documented['SourceSummary']): SourceSummary => x,
  repositoryMatch: (x: Documented['RepositoryMatch']): RepositoryMatch => x,
  stale: (x: Documented['StaleState']): StaleState => x,
  liveReport: (x: Documented['LiveReport']): LiveReport => x,
};

describe('the OpenAPI document', () => {
  it('describes the types of the common package (checked by tsc)', () => {
    expect(Object.keys(answersFitTheDocument)).toHaveLength(6);
    expect(Object.keys(theDocumentFitsTheClient)).toHaveLength(4);
  });

  it('has its generated constant and types up to date (node scripts/openapi-generate.cjs)', async () => {
    // eslint-disable-next-line @backstage/no-relative-monorepo-imports
    const { generate } = require('../../scripts/openapi-generate.cjs');
    const expected: Record<string, string> = await generate();
    for (const [file, content] of Object.entries(expected))
      expect([file, fs.readFileSync(file, 'utf8') === content]).toEqual([
        file,
        true,
      ]);
  });
});
