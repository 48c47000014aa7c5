import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch, diffLines } from 'diff';
import { parse, parseAllDocuments } from 'yaml';
import { detectConventions } from '../conventions/detect';
import {
  readConventionsFile,
  resolveConventions,
} from '../conventions/resolve';
import { kubectlKustomize, kubectlOnPath } from '../__testUtils__/kubectl';
import { readFolder, writeFolder } from '../__testUtils__/trees';
import { validateMesh } from '../report/report';
import { createRepoTree } from '../tree/RepoTree';
import { dirnamePath } from '../tree/RepoTree';
import { kustomizationFileNames } from '../flux/kustomize';
import type { MeshDnsChangeInput } from './input';
import { MeshDnsChangePlan, planMeshDnsChange } from './plan';

// Each fixture under fixtures/configure-*/ is a repository (repo/) of one
// layout and the runs a team makes on it (runs.yaml), one after the other
// on what the previous run wrote. golden/<run>.txt is what a dry run shows
// (the diff, how values are written, what is refused and why); run the test
// with UPDATE_GOLDEN=1 to write them again.

const fixturesDir = path.resolve(__dirname, '../../fixtures');
const update = process.env.UPDATE_GOLDEN === '1';
const kubectl = kubectlOnPath('kubectl kustomize of the configured fixtures');

interface Run {
  name: string;
  clusters?: Record<string, string>;
  remove?: string[];
  mode?: 'externaldns' | 'manual';
  /** Values of secret variables, as --value gives them. */
  values?: Record<string, string>;
  /** Folders the team deletes before the run (a retired cluster's). */
  delete?: string[];
  /** Whether the change is refused (default: it is made). */
  refused?: boolean;
}

const fixtures = fs
  .readdirSync(fixturesDir)
  .filter(d => d.startsWith('configure-'))
  .sort();

/** The conventions as the CLI reads them: the repository's file, detection, --value. */
function conventionsOf(
  files: Record<string, string>,
  values: Record<string, string> = {},
) {
  const text = files['.clustermesh-dns.yaml'];
  let explicit = text ? readConventionsFile(text) : undefined;
  if (Object.keys(values).length)
    explicit = { ...explicit, values: { ...explicit?.values, ...values } };
  return resolveConventions(
    explicit,
    detectConventions(createRepoTree(files), explicit),
  );
}

/** What `configure --dry-run` shows for a plan. */
function dryRunText(plan: MeshDnsChangePlan): string {
  const out: string[] = [];
  for (const e of plan.proposed)
    out.push(
      createTwoFilesPatch(
        e.before === undefined ? '/dev/null' : `a/${e.path}`,
        `b/${e.path}`,
        e.before ?? '',
        e.after,
        undefined,
        undefined,
        { context: 3 },
      ).replace(/^=+\n/, ''),
    );
  out.push('## Summary', '', plan.summary);
  return `${out.join('\n')}\n`;
}

const escapeRegExp = (text: string) =>
  text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Lines removed and added by an edit. */
function changedLines(before: string | undefined, after: string) {
  const removed: string[] = [];
  const added: string[] = [];
  for (const part of diffLines(before ?? '', after)) {
    const lines = part.value.split(/\r?\n/).filter(l => l !== '');
    if (part.removed) removed.push(...lines);
    if (part.added) added.push(...lines);
  }
  return { removed, added };
}

/** The folders whose kustomization builds a changed file, up to the nearest one that has a kustomization. */
function kustomizeFolders(files: Record<string, string>, changed: string[]) {
  const hasKustomization = (dir: string) =>
    kustomizationFileNames.some(n => files[`${dir}/${n}`] !== undefined);
  const folders = new Set<string>();
  for (const file of changed) {
    let dir = dirnamePath(file);
    while (dir && !hasKustomization(dir)) dir = dirnamePath(dir);
    if (dir) folders.add(dir);
  }
  return [...folders].sort();
}

describe.each(fixtures)('configure on the fixture %s', fixture => {
  const dir = path.join(fixturesDir, fixture);
  const runs: Run[] = parse(
    fs.readFileSync(path.join(dir, 'runs.yaml'), 'utf8'),
  ).runs;
  let files = readFolder(path.join(dir, 'repo'));

  runs.forEach(run => {
    describe(`run ${run.name}`, () => {
      const input: MeshDnsChangeInput = {
        clusters: Object.entries(run.clusters ?? {}).map(([name, ip]) => ({
          name,
          ip,
        })),
        remove: run.remove,
        mode: run.mode,
      };
      let before: Record<string, string>;
      let plan: MeshDnsChangePlan;
      let after: Record<string, string>;
      beforeAll(() => {
        before = { ...files };
        for (const folder of run.delete ?? [])
          for (const p of Object.keys(before))
            if (p.startsWith(`${folder}/`)) delete before[p];
        const conventions = conventionsOf(before, run.values);
        plan = planMeshDnsChange(createRepoTree(before), input, conventions);
        after = { ...before };
        for (const e of plan.edits) after[e.path] = e.after;
        files = after; // the next run starts from here
      });

      it('shows the golden dry run', () => {
        const text = dryRunText(plan);
        const golden = path.join(dir, 'golden', `${run.name}.txt`);
        if (update) {
          fs.mkdirSync(path.dirname(golden), { recursive: true });
          fs.writeFileSync(golden, text);
        }
        expect(text).toBe(fs.readFileSync(golden, 'utf8'));
      });

      if (run.refused) {
        it('is refused, naming each reason, and shows what it would write', () => {
          expect(plan.problems.length).toBeGreaterThan(0);
          expect(plan.edits).toEqual([]);
          for (const p of plan.problems) expect(p.message).not.toBe('');
        });
        return;
      }

      it('writes the change, and validation afterwards has no error but those already there', () => {
        expect(plan.problems).toEqual([]);
        const conventions = conventionsOf(after, run.values);
        const report = validateMesh(createRepoTree(after), conventions);
        const configured = new Set(input.clusters.map(c => c.name));
        const failing = [
          ...report.clusters.flatMap(c => c.checks),
          ...report.meshChecks,
        ].filter(
          c =>
            c.outcome === 'fail' &&
            c.severity === 'error' &&
            (c.cluster === undefined || configured.has(c.cluster)),
        );
        expect(failing).toEqual([]);
        const errors = report.findings.filter(f => f.severity === 'error');
        expect(errors.map(f => f.message)).toEqual(
          plan.alreadyThere
            .filter(p => !p.message.startsWith('['))
            .map(p => p.message),
        );
      });

      it('writes nothing on a second run', () => {
        const again = planMeshDnsChange(
          createRepoTree(after),
          input,
          conventionsOf(after, run.values),
        );
        expect(again.problems).toEqual([]);
        expect(again.edits).toEqual([]);
      });

      it('changes nothing but the intended values: every other byte of each file is kept', () => {
        const conventions = conventionsOf(before, run.values);
        const intended = (key: string) =>
          /CLUSTERMESH/.test(key) || key === conventions.variables.lbIp;
        const wrong: string[] = [];
        for (const e of plan.edits) {
          // a new file, or the records document (the tool's own, written whole)
          if (e.before === undefined || e.path.endsWith('.md')) continue;
          if (!/\.ya?ml$/.test(e.path)) {
            // an env file: only the intended keys' lines change
            const { removed, added } = changedLines(e.before, e.after);
            for (const line of [...removed, ...added])
              if (!intended(line.split('=')[0]) && !/^#/.test(line))
                wrong.push(`${e.path}: ${line}`);
            continue;
          }
          const a = parseAllDocuments(e.before).map(d => d.toJS());
          const all = parseAllDocuments(e.after).map(d => d.toJS());
          // documents after the file's own: only the records' Kustomization
          const b = all.slice(0, a.length);
          for (const d of all.slice(a.length))
            if (
              d?.kind !== 'Kustomization' ||
              !/-clustermesh(-dns)?$/.test(d?.metadata?.name)
            )
              wrong.push(
                `${e.path}: adds a document that is not the records' Kustomization`,
              );
          if (
            JSON.stringify(a.map(d => withoutIntended(d, intended))) !==
            JSON.stringify(b.map(d => withoutIntended(d, intended)))
          )
            wrong.push(`${e.path}: changes more than the intended values`);
          a.forEach((d, i) => {
            const r = (d as any)?.resources;
            const kept = (b[i] as any)?.resources;
            if (Array.isArray(r) && !r.every(x => kept?.includes(x)))
              wrong.push(`${e.path}: resources lost an entry`);
          });
          // the text outside the changed lines is the same, byte for byte
          const { removed } = changedLines(e.before, e.after);
          const kept = e.before
            .split('\n')
            .filter(
              l => l.trim() !== '' && !removed.includes(l.replace(/\r$/, '')),
            );
          let at = 0;
          const lines = e.after.split('\n');
          for (const line of kept) {
            const found = lines.indexOf(line, at);
            if (found < 0) wrong.push(`${e.path}: lost "${line}"`);
            else at = found + 1;
          }
        }
        expect(wrong).toEqual([]);
      });

      (kubectl ? describe : describe.skip)('with kubectl on PATH', () => {
        it('leaves every changed folder buildable by kubectl kustomize', () => {
          const changed = plan.edits.map(e => e.path);
          const folders = kustomizeFolders(after, changed);
          const tmp = writeFolder(after);
          const results = folders.map(folder => {
            const result = kubectlKustomize(path.join(tmp, folder));
            return [folder, result.status, result.stderr];
          });
          fs.rmSync(tmp, { recursive: true, force: true });
          expect(results).toEqual(folders.map(folder => [folder, 0, '']));
          if (folders.length) return;
          // nothing kustomize builds changed: only the records document,
          // plain values files another installer reads, and manifests of a
          // folder Flux generates the kustomization of (never nothing)
          const valuesFile = new RegExp(
            `^${(conventionsOf(before, run.values).cilium.valuesFile ?? '')
              .split('{cluster}')
              .map(escapeRegExp)
              .join('[^/]+')}$`,
          );
          const manifests = (p: string) =>
            /\.ya?ml$/.test(p) &&
            parseAllDocuments(after[p]).every(
              d => !d.errors.length && d.get('apiVersion') && d.get('kind'),
            );
          expect(changed.length).toBeGreaterThan(0);
          expect(
            changed.filter(
              p => !p.endsWith('.md') && !valuesFile.test(p) && !manifests(p),
            ),
          ).toEqual([]);
        });
      });
    });
  });
});

/**
 * A parsed document without what the change may write: ClusterMesh blocks,
 * the settings keys of the change, DNSEndpoint entries and kustomization
 * resources (only added to).
 */
function withoutIntended(
  value: unknown,
  intended: (key: string) => boolean,
): unknown {
  if (Array.isArray(value)) return value.map(v => withoutIntended(v, intended));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'clustermesh' || k === 'endpoints' || intended(k)) continue;
    // the settings a change creates: the Kustomization substitutes from them
    if (k === 'postBuild' && !('postBuild' in out)) {
      const rest = withoutIntended(v, intended) as Record<string, unknown>;
      const from = (
        rest.substituteFrom as { name?: string }[] | undefined
      )?.filter(r => r.name !== 'cluster-settings');
      if (from?.length) rest.substituteFrom = from;
      else delete rest.substituteFrom;
      if (Object.keys(rest).length) out[k] = rest;
      continue;
    }
    // a patch that has a bootstrap's Kustomization substitute from them
    if (k === 'patches' && Array.isArray(v)) {
      const kept = v.filter(p => !substitutesFromSettings(p));
      if (kept.length) out[k] = withoutIntended(kept, intended);
      continue;
    }
    out[k] = k === 'resources' ? '(resources)' : withoutIntended(v, intended);
  }
  return out;
}

/** A kustomization's patch that only has a Flux Kustomization substitute from the created settings. */
function substitutesFromSettings(patch: any): boolean {
  if (
    patch?.target?.kind !== 'Kustomization' ||
    typeof patch.patch !== 'string'
  )
    return false;
  try {
    const operations = JSON.parse(patch.patch);
    return (
      Array.isArray(operations) &&
      operations.every(
        op =>
          op.op === 'add' &&
          String(op.path).startsWith('/spec/postBuild') &&
          JSON.stringify(op.value).includes('"name":"cluster-settings"'),
      )
    );
  } catch {
    return false;
  }
}
