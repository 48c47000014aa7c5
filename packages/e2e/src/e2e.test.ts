/* eslint-disable no-console */
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page, Response } from 'playwright-core';
import {
  ensureAppBundle,
  repoRoot,
  startBackend,
  Backend,
} from './lib/backend';
import {
  chromiumPath,
  progress,
  screenshotDir,
  Session,
  startSession,
  waitLimit,
} from './lib/browser';
import { GithubStandIn } from './lib/githubStandIn';
import {
  describeWithServices,
  findExecutable,
  serviceVerdict,
} from '@clustermesh-dns/test-services';
import {
  directoryPickerScript,
  fillTemplateDirectory,
} from './lib/templateDirectory';

/**
 * The product end to end, as a user meets it: the app's production build
 * served by the backend (both started here on free loopback ports), driven
 * in Debian's Chromium, with a GitHub stand-in on loopback (a small git host,
 * lib/githubStandIn.ts) as the GitHub the template opens its pull request on.
 *
 * Nothing here waits for a fixed time: every wait is for a condition, and
 * the limits (large, for a loaded 2-core machine) only stop a hang.
 */

const afterTitle = 'Example GitOps repository (after Story 13)';
const beforeTitle = 'Example GitOps repository (before Story 13)';
const githubTitle = 'acme/gitops on GitHub';
const templateDir = path.join(repoRoot, 'examples/templates/clustermesh-dns');

const verdict = serviceVerdict('chromium, git', {
  chromium: fs.existsSync(chromiumPath) ? chromiumPath : undefined,
  git: findExecutable('git'),
});

/** Polls `check` until it gives a value; `what` names the condition when the limit is reached. */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  limit = waitLimit,
): Promise<T> {
  const deadline = Date.now() + limit;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

/** The text of an element, whitespace collapsed. */
async function text(locator: Locator): Promise<string> {
  return ((await locator.innerText()) ?? '').replace(/\s+/g, ' ').trim();
}

/** The page's table of clusters and its rows. */
function clusterTable(page: Page) {
  const table = page.getByRole('table', { name: 'Clusters', exact: true });
  const rows = table.locator(':scope > tbody > tr');
  return {
    table,
    /** The row of a cluster of a source (while more than one source is shown). */
    row: (source: string, cluster: string) =>
      rows
        .filter({
          has: page.getByRole('rowheader', { name: cluster, exact: true }),
        })
        .filter({ hasText: source }),
    /** The button that expands (or hides) a row's checks. */
    toggle: (source: string, cluster: string) =>
      table.getByRole('button', {
        name: new RegExp(
          `^(Show|Hide) the checks of ${cluster} in ${source.replace(
            /[()]/g,
            '\\$&',
          )}$`,
        ),
      }),
  };
}

/** Expands a row and resolves with the element holding its checks. */
async function expandRow(page: Page, source: string, cluster: string) {
  const toggle = clusterTable(page).toggle(source, cluster);
  if ((await toggle.getAttribute('aria-expanded')) !== 'true')
    await toggle.click();
  const id = await eventually(`the checks of ${cluster} in ${source}`, () =>
    toggle.getAttribute('aria-controls').then(v => v ?? undefined),
  );
  const detail = page.locator(`[id="${id}"]`);
  await detail
    .getByRole('table', { name: `Checks of ${cluster}`, exact: true })
    .waitFor();
  return detail;
}

/** The rule IDs of a checks table whose outcome is the given one. */
async function rulesWithOutcome(checks: Locator, outcome: string) {
  const rows = checks.locator(':scope > tbody > tr');
  const rules: string[] = [];
  for (const row of await rows.all()) {
    const cells = row.locator(':scope > td');
    if ((await text(cells.nth(1))) === outcome)
      rules.push(await text(cells.nth(0)));
  }
  return [...new Set(rules)].sort();
}

/** Goes through the scaffolder form's steps to its review, by the form's own buttons. */
async function goToReview(page: Page) {
  const review = page.getByRole('button', { name: 'Review', exact: true });
  const next = page.getByRole('button', { name: 'Next', exact: true });
  for (let step = 0; step < 10; step++) {
    await review.or(next).first().waitFor();
    if (await review.isVisible()) {
      await review.click();
      return;
    }
    await next.click();
  }
  throw new Error('the form has no review step');
}

/** The LB IP field's group of a cluster. */
function clusterGroup(page: Page, name: string) {
  return page.getByRole('group', {
    name: new RegExp(`^Cluster \\d+: ${name}$`),
  });
}

/** The LB IP field's suggestion for a cluster, once its pools are loaded. */
async function suggestionOf(group: Locator, cluster: string): Promise<string> {
  const suggestion = group.getByText(/^Suggested free address:/);
  await suggestion.waitFor();
  const match = /Suggested free address:\s*(\S+)/.exec(await text(suggestion));
  if (!match) throw new Error(`no suggestion for ${cluster}`);
  return match[1];
}

describeWithServices('browser end-to-end (Chromium)', verdict, () => {
  let standIn: GithubStandIn;
  let backend: Backend;
  let session: Session;
  const started = Date.now();

  beforeAll(async () => {
    // the pictures of an earlier run's failures are not this run's
    fs.rmSync(path.join(screenshotDir, 'failures'), {
      recursive: true,
      force: true,
    });
    const bundleStarted = Date.now();
    ensureAppBundle();
    console.log(
      `e2e: app bundle ready in ${Math.round(
        (Date.now() - bundleStarted) / 1000,
      )} s`,
    );
    standIn = await GithubStandIn.start({
      owner: 'acme',
      repo: 'gitops',
      token: 'e2e-stand-in-token',
      folder: path.join(templateDir, 'gitops-repo-before'),
    });
    const backendStarted = Date.now();
    backend = await startBackend({
      githubApi: standIn.apiBaseUrl,
      githubToken: standIn.token,
    });
    console.log(
      `e2e: backend ready at ${backend.baseUrl} in ${Math.round(
        (Date.now() - backendStarted) / 1000,
      )} s`,
    );
    session = await startSession(backend.baseUrl, {
      initScript: directoryPickerScript,
    });
  }, 30 * 60_000);

  afterAll(async () => {
    await session?.close();
    await backend?.stop();
    await standIn?.stop();
    console.log(
      `e2e: suite took ${Math.round((Date.now() - started) / 1000)} s`,
    );
  }, 5 * 60_000);

  /** A scene; when it fails, what the browser showed and what the backend said. */
  const scene = (name: string, body: () => Promise<void>) =>
    // eslint-disable-next-line jest/expect-expect -- the assertions are in each scene's body
    it(
      // eslint-disable-next-line jest/valid-title -- each scene's own title
      name,
      async () => {
        progress(`scene: ${name}`);
        try {
          await body();
        } catch (error) {
          progress(`FAILED: ${String(error)}`);
          const shot = await session
            ?.screenshot(`failures/${name}`)
            .catch(() => undefined);
          console.log(
            `e2e: failed at ${session?.page.url()}${
              shot ? ` (screenshot ${shot})` : ''
            }; backend output (last lines):\n${backend?.process.tail(40)}`,
          );
          throw error;
        }
      },
      10 * 60_000,
    );

  scene(
    'lists every cluster of the sources with FQDN, IP and status; a row expands to its checks and file links',
    async () => {
      const { page } = session;
      await session.open('/clustermesh-dns');
      const clusters = clusterTable(page);
      await clusters.table.waitFor();
      // three sources of two clusters each: the examples and acme/gitops on the stand-in
      await page
        .getByRole('status')
        .filter({ hasText: /^6 clusters$/ })
        .waitFor();

      const after = {
        infra: await text(clusters.row(afterTitle, 'infra')),
        apps: await text(clusters.row(afterTitle, 'apps')),
      };
      expect(after.infra).toContain('clustermesh-infra.');
      expect(after.infra).toContain(
        'as written: clustermesh-infra.${SECRET_DOMAIN}',
      );
      expect(after.infra).toContain('10.25.11.100');
      expect(after.infra).toContain('lb-ippool-infra');
      expect(after.infra).toContain('A · TTL 300 · ExternalDNS');
      // the source's values give the SOPS domain: every check is evaluated
      expect(after.infra).toContain('Passing');
      expect(after.apps).toContain('clustermesh-apps.');
      expect(after.apps).toContain('10.25.11.120');
      expect(after.apps).toContain('lb-ippool-apps');
      expect(after.apps).toContain('Passing');
      for (const source of [beforeTitle, githubTitle]) {
        for (const cluster of ['infra', 'apps']) {
          const row = await text(clusters.row(source, cluster));
          // before Story 13: no FQDN, no LB IP, failing
          expect(row).toContain('not set');
          expect(row).toContain('Failing');
        }
      }
      await session.screenshot('page');

      // the "before" repository: its failing rules, where each one is
      const before = await expandRow(page, beforeTitle, 'infra');
      const checks = before.getByRole('table', { name: 'Checks of infra' });
      const failing = await rulesWithOutcome(checks, 'Fail');
      expect(failing).toEqual(
        expect.arrayContaining([
          // the missing record: dnsendpoint-matches has none to compare
          'dnsendpoint-included',
          'peers-by-fqdn',
          'peers-complete',
          'service-annotation',
          'settings-present',
        ]),
      );
      const beforeText = await text(before);
      expect(beforeText).toContain('How to fix:');
      expect(beforeText).toMatch(
        /kubernetes\/clusters\/infra\/cluster-settings\.yaml:\d+/,
      );
      expect(beforeText).toMatch(
        /kubernetes\/infrastructure\/networking\/cilium\/core\/helmrelease\.yaml:\d+/,
      );
      await clusters.toggle(beforeTitle, 'infra').click();

      // a repository source: each check links to its file and line at the revision read
      const github = await expandRow(page, githubTitle, 'infra');
      const main = await standIn.resolve('main');
      const link = github
        .getByRole('link', {
          name: /kubernetes\/clusters\/infra\/cluster-settings\.yaml:\d+/,
        })
        .first();
      const href = await link.getAttribute('href');
      expect(href).toMatch(
        new RegExp(
          `^https://github\\.com/acme/gitops/(blob|tree)/${main}/kubernetes/clusters/infra/cluster-settings\\.yaml#L\\d+$`,
        ),
      );
      await session.screenshot('expanded-row', github);
      await clusters.toggle(githubTitle, 'infra').click();
    },
  );

  scene(
    'shows the clusters in the catalog, each with its ClusterMesh DNS tab',
    async () => {
      const { page } = session;
      // the catalog module's entities: one Resource per cluster and source
      const names = [
        'example-infra',
        'example-apps',
        'example-before-infra',
        'example-before-apps',
        'gitops-infra',
        'gitops-apps',
      ];
      const entityPath = (name: string) => `/catalog/default/resource/${name}`;
      await eventually(
        'the cluster entities in the catalog',
        async () => {
          await session.open(
            '/catalog?filters%5Bkind%5D=resource&filters%5Buser%5D=all&filters%5Btype%5D=kubernetes-cluster',
          );
          await page
            .getByText(/^All kubernetes-cluster resources \(\d+\)$/i)
            .waitFor();
          const links = await page
            .getByRole('table')
            .getByRole('link')
            .evaluateAll(as =>
              as.map(a => new URL((a as HTMLAnchorElement).href).pathname),
            );
          return names.every(n => links.includes(entityPath(n))) || undefined;
        },
        5 * 60_000,
      );
      // the count shows once the list has loaded: waited for, not read once
      await page
        .getByText(/^All kubernetes-cluster resources \(6\)$/i)
        .first()
        .waitFor({ timeout: 60_000 });
      await session.screenshot('catalog');

      await session.open('/catalog/default/resource/example-infra');
      // the entity page's tab (a link of its header)
      await page
        .locator(
          'a[href="/catalog/default/resource/example-infra/clustermesh-dns"]',
        )
        .filter({ hasText: 'ClusterMesh DNS' })
        .click();
      await page.waitForURL(
        /\/catalog\/default\/resource\/example-infra\/clustermesh-dns$/,
      );
      const mapping = page.getByText('FQDN → IP', { exact: true });
      await mapping.waitFor();
      await page.getByRole('table', { name: 'Checks of infra' }).waitFor();
      const tab = await text(page.locator('body'));
      expect(tab).toContain(afterTitle);
      expect(tab).toContain('clustermesh-infra.');
      expect(tab).toContain('10.25.11.100');
      expect(tab).toContain('Peers');
      expect(tab).toContain('settings-present');
      await session.screenshot('entity-tab');

      // a failing cluster of the "before" source: its tab says what fails
      await session.open(
        '/catalog/default/resource/example-before-apps/clustermesh-dns',
      );
      await page.getByRole('table', { name: 'Checks of apps' }).waitFor();
      const failing = await rulesWithOutcome(
        page.getByRole('table', { name: 'Checks of apps' }),
        'Fail',
      );
      expect(failing).toContain('settings-present');
    },
  );

  scene(
    'opens the template from the page, checks the LB IP as typed, and dry-runs it in the template editor',
    async () => {
      const { page } = session;
      await session.open('/clustermesh-dns');
      await page
        .getByRole('link', { name: `Configure DNS for ${beforeTitle}` })
        .click();
      await page.waitForURL(/\/create\/templates\/default\/clustermesh-dns\?/);
      // the page fills the form: the embedded example and its two clusters
      await page
        .getByText('Embedded example (no pull request)')
        .first()
        .waitFor();
      await goToReviewOrClusters(page);

      const infra = clusterGroup(page, 'infra');
      await infra.waitFor();
      const suggested = await suggestionOf(infra, 'infra');
      expect(suggested).toMatch(/^10\.25\.11\.(1\d\d)$/);
      const infraIp = infra.getByLabel('LB IP');
      // an address outside the cluster's pools is rejected as it is typed
      await infraIp.fill('10.25.12.7');
      await eventually(
        'the address rejected',
        async () =>
          (await infraIp.getAttribute('aria-invalid')) === 'true' || undefined,
      );
      const rejection = infra.getByText(
        /^10\.25\.12\.7 is outside the LB IPAM pools of infra \(lb-ippool-infra: /,
      );
      await rejection.waitFor();
      await session.screenshot(
        'form-field-rejected',
        page.locator('fieldset').filter({ has: infra }).first(),
      );
      // not even an address
      await infraIp.fill('10.25.11.300');
      await infra.getByText(/"10\.25\.11\.300" is not an IP address/).waitFor();
      // the suggestion, taken with its button, is accepted
      await infra
        .getByRole('button', { name: `Use ${suggested} for infra` })
        .click();
      await eventually('the suggestion accepted', async () =>
        (await infraIp.inputValue()) === suggested &&
        (await infraIp.getAttribute('aria-invalid')) !== 'true'
          ? true
          : undefined,
      );
      await infra.getByText('Free, inside the pool').waitFor();
      const apps = clusterGroup(page, 'apps');
      const appsSuggested = await suggestionOf(apps, 'apps');
      await apps.getByLabel('LB IP').fill(appsSuggested);
      await apps.getByText('Free, inside the pool').waitFor();
      await session.screenshot(
        'form-field',
        page.locator('fieldset').filter({ has: infra }).first(),
      );
      await goToReview(page);
      const review = await text(page.locator('body'));
      expect(review).toContain(suggested);
      expect(review).toContain(appsSuggested);

      // the template editor's dry run, on the template's own folder
      await session.open('/create/edit');
      const files = await fillTemplateDirectory(page, templateDir);
      expect(files).toBeGreaterThan(10);
      await page.getByText('Load Template Directory', { exact: true }).click();
      await page.getByText('template.yaml', { exact: true }).first().waitFor();
      await chooseEmbeddedExample(page);
      await goToReviewOrClusters(page);
      const editorInfra = clusterGroup(page, 'infra');
      await suggestionOf(editorInfra, 'infra');
      const editorIp = editorInfra.getByLabel('LB IP');
      await editorIp.fill(suggested);
      await editorInfra.getByText('Free, inside the pool').waitFor();
      const editorApps = clusterGroup(page, 'apps');
      await suggestionOf(editorApps, 'apps');
      await editorApps.getByLabel('LB IP').fill(appsSuggested);
      await editorApps.getByText('Free, inside the pool').waitFor();
      await goToReview(page);
      const dryRun = page.waitForResponse(
        (r: Response) =>
          r.url().endsWith('/api/scaffolder/v2/dry-run') &&
          r.request().method() === 'POST',
      );
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      const response = await dryRun;
      expect(response.status()).toBe(200);
      const result = (await response.json()) as {
        directoryContents: { path: string; base64Content: string }[];
        output: { text?: { title: string; content: string }[] };
      };
      // what the action changes, file by file, with the values it writes
      const summary =
        result.output.text?.find(t => t.title === 'ClusterMesh DNS records')
          ?.content ?? '';
      const settingsPath = 'kubernetes/clusters/infra/cluster-settings.yaml';
      const endpointPath =
        'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml';
      const kustomizationPath =
        'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml';
      const valuesPath =
        'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml';
      for (const expected of [
        settingsPath,
        'CILIUM_CLUSTERMESH_FQDN = clustermesh-infra.${SECRET_DOMAIN}',
        `CILIUM_CLUSTERMESH_LB_IP = ${suggested}`,
        'CILIUM_CLUSTERMESH_APPS_FQDN = clustermesh-apps.${SECRET_DOMAIN}',
        endpointPath,
        'DNSEndpoint',
        kustomizationPath,
        'dnsendpoint.yaml included',
        valuesPath,
        'lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}',
      ])
        expect(summary).toContain(expected);

      // The files the dry run leaves in its workspace (the editor's Files
      // tab): the change's files under changes/, as the pull request has them.
      const changed = Object.fromEntries(
        result.directoryContents
          .filter(f => f.path.startsWith('changes/'))
          .map(f => [
            f.path.slice('changes/'.length),
            Buffer.from(f.base64Content, 'base64').toString('utf8'),
          ]),
      );
      expect(Object.keys(changed).sort()).toEqual(
        [
          settingsPath,
          'kubernetes/clusters/apps/cluster-settings.yaml',
          endpointPath,
          kustomizationPath,
          valuesPath,
        ].sort(),
      );
      checkChangedFiles(changed, suggested);

      // the editor shows the run: each step, and the action's log of every file it changes
      await page.getByRole('tab', { name: 'Log', exact: true }).click();
      await page
        .getByRole('button', { name: /^Configure ClusterMesh DNS/ })
        .click();
      for (const line of [
        `update ${settingsPath}: CILIUM_CLUSTERMESH_FQDN`,
        `create ${endpointPath}: DNSEndpoint`,
        `update ${kustomizationPath}: dnsendpoint.yaml`,
        `update ${valuesPath}: lbipam.cilium.io/ips`,
      ])
        await page.getByText(line).first().waitFor();
      await page
        .getByText(`CILIUM_CLUSTERMESH_LB_IP = ${suggested}`)
        .first()
        .waitFor();
      await session.screenshot('dry-run-log');
      // the changed settings file as the editor shows it
      await page.getByRole('tab', { name: 'Files', exact: true }).click();
      await openInFileTree(
        page,
        ['changes', 'kubernetes', 'clusters', 'infra', 'cluster-settings.yaml'],
        page.getByText(`CILIUM_CLUSTERMESH_LB_IP: "${suggested}"`),
      );
      await session.screenshot('dry-run');
      await page.getByRole('tab', { name: 'Output', exact: true }).click();
      await page.getByText('"ClusterMesh DNS records"').first().waitFor();
    },
  );

  scene(
    'runs the whole template against the GitHub stand-in: a pull request whose branch the page reads back',
    async () => {
      const { page } = session;
      await session.open('/clustermesh-dns');
      await page
        .getByRole('link', { name: `Configure DNS for ${githubTitle}` })
        .click();
      await page.waitForURL(/\/create\/templates\/default\/clustermesh-dns\?/);
      await page.getByText('GitHub pull request').first().waitFor();
      await goToReviewOrClusters(page);
      const chosen: Record<string, string> = {};
      for (const cluster of ['infra', 'apps']) {
        const group = clusterGroup(page, cluster);
        chosen[cluster] = await suggestionOf(group, cluster);
        await group
          .getByRole('button', {
            name: `Use ${chosen[cluster]} for ${cluster}`,
          })
          .click();
        await group.getByText('Free, inside the pool').waitFor();
      }
      await goToReview(page);
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.waitForURL(/\/create\/tasks\/[^/]+$/);
      const pullLink = page.getByRole('link', { name: 'Pull request' });
      const failed = page.getByText(/^(Failed|Error)\b/).first();
      await pullLink
        .or(failed)
        .first()
        .waitFor({ timeout: 5 * 60_000 });
      if (!(await pullLink.isVisible()))
        throw new Error(`the task failed: ${await text(page.locator('body'))}`);
      expect(standIn.pulls).toHaveLength(1);
      const pull = standIn.pulls[0];
      expect(await pullLink.getAttribute('href')).toBe(pull.htmlUrl);
      expect(pull.htmlUrl).toBe('https://github.com/acme/gitops/pull/1');
      expect(pull.base).toBe('main');
      expect(pull.title).toBe(
        'ClusterMesh DNS: stable names for the clustermesh-apiservers',
      );
      // the pull request's branch, as the stand-in built it from the blobs, trees and commits it received
      const changedPaths = await standIn.changedPaths('main', pull.head);
      expect(changedPaths).toEqual(
        expect.arrayContaining([
          'kubernetes/clusters/apps/cluster-settings.yaml',
          'kubernetes/clusters/infra/cluster-settings.yaml',
          'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml',
          'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml',
          'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml',
        ]),
      );
      const branchFiles = await standIn.files(pull.head);
      expect(
        branchFiles['kubernetes/clusters/infra/cluster-settings.yaml'],
      ).toContain(chosen.infra);
      await session.screenshot('pull-request');
      expect(standIn.unexpected()).toEqual([]);

      // the page's report at the pull request's branch, read back through the stand-in
      await session.open('/clustermesh-dns?source=gitops');
      await page.getByLabel('Branch, tag or commit').fill(pull.head);
      await page.getByRole('button', { name: 'Show ref' }).click();
      const clusters = clusterTable(page);
      const headSha = await standIn.resolve(pull.head);
      await page
        .getByText(`${pull.head} at ${headSha!.slice(0, 12)}`)
        .waitFor();
      const row = clusters.table.locator(':scope > tbody > tr').filter({
        has: page.getByRole('rowheader', { name: 'infra', exact: true }),
      });
      await row.filter({ hasText: chosen.infra }).waitFor();
      const infraRow = await text(row);
      expect(infraRow).toContain('clustermesh-infra.');
      expect(infraRow).not.toContain('Failing');
      expect(
        standIn.requests.some(
          r => r.path.includes(`/tarball/${headSha}`) && r.status === 200,
        ),
      ).toBe(true);
      await session.screenshot('pull-request-report');
    },
  );
});

/**
 * Opens a file in the dry run's file tree, folder by folder. Every lookup is
 * scoped to that tree: the form beside it shows the same names (a cluster
 * called `infra`), which must not count as the tree having opened. A click
 * that lands while the tree is still rendering does not expand the folder
 * (or open the file), so an entry is clicked again until what it opens
 * shows (its child; the file's text, `shows`, last), at most a few times,
 * and never while the folder is already open: a click would close it.
 */
async function openInFileTree(page: Page, names: string[], shows: Locator) {
  const tree = page
    .getByRole('tree')
    .filter({ has: page.getByText(names[0], { exact: true }) })
    .last();
  for (let i = 0; i < names.length; i++) {
    const item = tree.getByText(names[i], { exact: true }).first();
    const opened =
      i + 1 < names.length
        ? tree.getByText(names[i + 1], { exact: true }).first()
        : shows.first();
    await item.waitFor();
    for (let attempt = 1; ; attempt++) {
      if (await opened.isVisible()) break;
      const expanded = await item
        .locator('xpath=ancestor::*[@role="treeitem"][1]')
        .getAttribute('aria-expanded');
      // a file has no aria-expanded: clicking it again only selects it again
      if (expanded !== 'true') await item.click();
      try {
        await opened.waitFor({ timeout: 5_000 });
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
  }
}

/**
 * Picks the embedded example as the template editor's source, and waits
 * until the form shows it: the editor renders its preview again once the
 * loaded files settle, which can drop a choice made before that.
 */
async function chooseEmbeddedExample(page: Page) {
  const chosen = page.getByRole('button', {
    name: /Embedded example \(no pull request\)/,
  });
  for (let attempt = 1; ; attempt++) {
    await page.getByRole('button', { name: /GitHub pull request/ }).click();
    await page
      .getByRole('option', { name: 'Embedded example (no pull request)' })
      .click();
    try {
      // a choice the preview's render dropped is not shown: chosen again
      await chosen.first().waitFor({ timeout: 20_000 });
      // still shown once the preview has settled
      await page.waitForLoadState('networkidle');
      if ((await chosen.count()) > 0) return;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
    if (attempt >= 5) break;
  }
  throw new Error('the template editor kept dropping the source chosen');
}

/** From the first step of the prefilled form to the clusters (the second step). */
async function goToReviewOrClusters(page: Page) {
  const next = page.getByRole('button', { name: 'Next', exact: true });
  await next.click();
  await page
    .getByRole('group', { name: /^Cluster 1/ })
    .first()
    .waitFor();
}

/** The changed files a dry run left in its workspace, with the content expected. */
function checkChangedFiles(changed: Record<string, string>, infraIp: string) {
  const settings = changed['kubernetes/clusters/infra/cluster-settings.yaml'];
  expect(settings).toMatch(
    /CILIUM_CLUSTERMESH_FQDN: "?clustermesh-infra\.\$\{SECRET_DOMAIN\}"?/,
  );
  expect(settings).toMatch(
    new RegExp(
      `CILIUM_CLUSTERMESH_LB_IP: "?${infraIp.replace(/\./g, '\\.')}"?`,
    ),
  );
  expect(
    changed[
      'kubernetes/infrastructure/networking/cilium/clustermesh/dnsendpoint.yaml'
    ],
  ).toContain('kind: DNSEndpoint');
  expect(
    changed[
      'kubernetes/infrastructure/networking/cilium/clustermesh/kustomization.yaml'
    ],
  ).toContain('dnsendpoint.yaml');
  expect(
    changed[
      'kubernetes/infrastructure/networking/cilium/core/helmrelease.yaml'
    ],
  ).toContain('lbipam.cilium.io/ips: ${CILIUM_CLUSTERMESH_LB_IP}');
}
