import fs from 'node:fs';
import path from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from 'playwright-core';

/** Debian's Chromium; the suite never downloads a browser. */
export const chromiumPath = '/usr/bin/chromium';

/** Where the suite writes its screenshots (git-ignored; `make screenshots` copies them to docs/images). */
// eslint-disable-next-line no-restricted-syntax -- a test package, run from its sources, never bundled
export const screenshotDir = path.resolve(__dirname, '../../screenshots');

/**
 * Upper bound for one wait in the browser. Every wait is for a condition
 * (an element, a text, a response); this only stops a hang, and is large
 * because a loaded 2-core machine can be slow.
 */
export const waitLimit = Number(process.env.CMDNS_E2E_WAIT_LIMIT) || 120_000;

/** Progress of the suite, on stderr as it happens when CMDNS_E2E_VERBOSE is set. */
export function progress(message: string): void {
  if (process.env.CMDNS_E2E_VERBOSE)
    process.stderr.write(`[e2e ${new Date().toISOString()}] ${message}\n`);
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  baseUrl: string;
  /** Opens a path of the app, signed in as the guest user. */
  open(pathAndQuery: string): Promise<void>;
  /** A screenshot of the page (or of one element) into the screenshot folder. */
  screenshot(name: string, target?: Locator): Promise<string>;
  close(): Promise<void>;
}

/** Chromium, headless, with one page on the app; console errors are kept. */
export async function startSession(
  baseUrl: string,
  options: { initScript?: string } = {},
): Promise<Session> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
    timeout: waitLimit,
  });
  try {
    const context = await browser.newContext({
      baseURL: baseUrl,
      viewport: { width: 1600, height: 1000 },
      deviceScaleFactor: 1,
      reducedMotion: 'reduce',
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    context.setDefaultTimeout(waitLimit);
    context.setDefaultNavigationTimeout(waitLimit);
    if (options.initScript) await context.addInitScript(options.initScript);
    const page = await context.newPage();
    fs.mkdirSync(screenshotDir, { recursive: true });

    const open = async (pathAndQuery: string) => {
      await page.goto(pathAndQuery);
      // the app's sign-in page (guest provider) comes first, once per session
      const enter = page.getByRole('button', { name: 'Enter', exact: true });
      // the sidebar, there once signed in
      const nav = page.getByRole('link', { name: 'Settings', exact: true });
      await enter.or(nav).first().waitFor();
      if (await enter.isVisible()) {
        await enter.click();
        await nav.waitFor();
      }
    };
    const screenshot = async (name: string, target?: Locator) => {
      const file = path.join(
        screenshotDir,
        `${name.replace(/[^A-Za-z0-9/_.-]+/g, '-')}.png`,
      );
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // no blinking caret or running animation in a picture
      const style = 'caret-color: transparent !important;';
      if (target)
        await target.screenshot({
          path: file,
          animations: 'disabled',
          style: `* { ${style} }`,
        });
      else
        await page.screenshot({
          path: file,
          fullPage: true,
          animations: 'disabled',
          style: `* { ${style} }`,
        });
      return file;
    };
    return {
      browser,
      context,
      page,
      baseUrl,
      open,
      screenshot,
      close: async () => {
        await context.close().catch(() => undefined);
        await browser.close();
      },
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
