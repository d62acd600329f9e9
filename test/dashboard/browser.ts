/**
 * Chromium from the system (Debian's `chromium` package), driven by playwright-core: no browser download.
 * One browser per test file; pages record console errors, page errors and CSP violations.
 */
import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { DashboardOptions } from '../../src/dashboard/index.js';
import { type Served, seedWorld, serve, type World } from './fixture.js';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string {
  const found = CANDIDATES.find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error('Chromium is missing: apt-get install -y chromium (.ci/run installs it)');
  return found;
}

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Launches headless Chromium; playwright gives it a fresh profile in a temp folder of its own. */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return { browser, close: () => browser.close() };
}

/** A page that records every console error, uncaught error and CSP violation. */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  // Runs in the page (a string: this file is type-checked against Node, not the DOM).
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
  return { page, problems };
}

/**
 * The axe rules whose outcome depends on colours alone. The dark scheme changes only the stylesheet's colour
 * variables (same DOM, same layout), so on a page already checked in light only these can find anything new.
 */
export const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

/** Accessibility violations rated serious or critical by axe: of every rule, or of `rules` only. */
export async function seriousViolations(page: Page, rules?: string[]): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  const result = await (rules ? builder.withRules(rules) : builder).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
}

/** What a browser test file works with: Chromium, a seeded world, its dashboard, and a watched page. */
export interface DashboardInBrowser {
  browser: TestBrowser;
  world: World;
  served: Served;
  context: BrowserContext;
  page: Page;
  problems: string[];
  close(): Promise<void>;
}

/** Launches Chromium and serves a dashboard over a freshly seeded world, with the options `optionsFor` gives. */
export async function dashboardInBrowser(
  optionsFor: (world: World) => DashboardOptions,
): Promise<DashboardInBrowser> {
  const browser = await launchBrowser();
  const world = await seedWorld();
  const served = await serve(optionsFor(world));
  const context = await browser.browser.newContext();
  const { page, problems } = await watchedPage(context);
  return {
    browser,
    world,
    served,
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      await browser.close();
      await served.close();
    },
  };
}
