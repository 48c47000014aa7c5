import { readDirectoryTree } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-node';
import { MemoryRepoTree } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-engine';
import { exampleRepo } from '../__testUtils__/harness';
import { CapturingLogger } from '../__testUtils__/logger';
import {
  ConventionsProblem,
  EngineDefect,
  InProcessEngineRunner,
} from './EngineRunner';
import { WorkerEngineRunner } from './WorkerEngineRunner';

describe('WorkerEngineRunner', () => {
  const logger = new CapturingLogger();
  const worker = new WorkerEngineRunner(logger);
  afterAll(() => worker.close());

  it('validates in a worker thread what the engine validates in process, and keeps the model there', async () => {
    const tree = readDirectoryTree(exampleRepo);
    // the event loop keeps turning while the worker validates
    let turns = 0;
    let counting = true;
    const count = () => {
      if (!counting) return;
      turns++;
      setImmediate(count);
    };
    setImmediate(count);
    const inWorker = await worker.inspect('example', tree, {});
    counting = false;
    expect(turns).toBeGreaterThan(1);

    const inProcess = await new InProcessEngineRunner().inspect(
      'example',
      tree,
      {},
    );
    expect(inWorker.report).toEqual(inProcess.report);
    expect(await inWorker.peersOf('infra')).toEqual(
      await inProcess.peersOf('infra'),
    );
    expect(await inWorker.poolOf('infra')).toEqual(
      await inProcess.poolOf('infra'),
    );
    expect(await inWorker.poolOf('nope')).toBeUndefined();
    expect(inWorker.alive()).toBe(true);

    inWorker.release();
    await expect(inWorker.peersOf('infra')).rejects.toThrow(EngineDefect);
  });

  it("passes a bad conventions file on as the repository's problem", async () => {
    const tree = MemoryRepoTree.from({
      '.clustermesh-dns.yaml': 'dns: [unclosed\n',
      'kubernetes/clusters/a/kustomization.yaml': 'resources: []\n',
    });
    await expect(worker.inspect('broken', tree, {})).rejects.toThrow(
      ConventionsProblem,
    );
    await expect(
      worker.inspect('broken', tree, { file: 'missing.yaml' }),
    ).rejects.toThrow('missing.yaml: (root): is not in the repository');
  });

  it('has no model alive after it is closed', async () => {
    const runner = new WorkerEngineRunner(logger);
    const inspection = await runner.inspect(
      'example',
      readDirectoryTree(exampleRepo),
      {},
    );
    await runner.close();
    expect(inspection.alive()).toBe(false);
    await expect(
      runner.inspect('example', readDirectoryTree(exampleRepo), {}),
    ).rejects.toThrow('the validation worker is closed');
    expect(logger.lines.filter(l => l.level !== 'info')).toEqual([]);
  });
});
