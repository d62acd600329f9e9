/**
 * The dashboard a browser-*.test.ts file drives: one Chromium and one seeded world per file, opened before its
 * tests and closed after them. Call `openLiveDashboard()` at the top of the file; `browser`, `world`, `served`,
 * `page` and `problems` are then live bindings to that file's session.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { type DashboardInBrowser, dashboardInBrowser, type TestBrowser } from './browser.js';
import { SECRETS, type Served, secretsIn, type World } from './fixture.js';

export let session: DashboardInBrowser;
export let browser: TestBrowser;
export let world: World;
export let served: Served;
export let page: Page;
export let problems: string[];

/**
 * Opens the full dashboard (public, under /admin/cron, refreshing its live parts every 400 ms) for this file,
 * and gives its tests 90 s each: a shared machine can be slow, browser steps get more than the default 30 s.
 */
export function openLiveDashboard(): void {
  vi.setConfig({ testTimeout: 90_000 });
  beforeAll(async () => {
    session = await dashboardInBrowser((seeded) => ({
      scheduler: seeded.scheduler,
      notifier: seeded.notifier,
      public: true,
      basePath: '/admin/cron',
      refreshIntervalMs: 400,
    }));
    ({ browser, world, served, page, problems } = session);
  }, 60_000);
  afterAll(() => session?.close());
}

/** The address of a dashboard page. */
export const url = (path: string) => served.url(path);

/** Every page of the seeded world, by path. */
export async function allPages(): Promise<string[]> {
  return [
    '/',
    '/jobs',
    '/jobs/sync-crm',
    '/jobs/nightly-report',
    '/endpoints',
    `/endpoints/${world.endpointId}`,
    `/endpoints/${world.endpointId}/edit`,
    '/add/endpoint',
    '/deliveries',
    `/deliveries/${world.deliveryIds.failed}`,
  ];
}

/**
 * What a file that acts on the dashboard checks last: no seeded secret on any page after its actions, and
 * nothing went wrong in its page but the refusals (401, 403) it provoked.
 */
export async function expectNoSeededSecretAfterAll(): Promise<void> {
  for (const path of await allPages()) {
    await page.goto(url(path));
    expect(secretsIn(await page.content()), path).toEqual([]);
  }
  expect(Object.keys(SECRETS).length).toBeGreaterThan(0);
  expect(problems.filter((p) => !p.includes('403') && !p.includes('401'))).toEqual([]);
}
