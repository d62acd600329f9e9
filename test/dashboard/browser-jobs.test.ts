/** Jobs in a real browser (system Chromium): run now, pause and resume, the live run history, and without JavaScript. */
import { describe, expect, it } from 'vitest';
import { watchedPage } from './browser.js';
import {
  browser,
  expectNoSeededSecretAfterAll,
  openLiveDashboard,
  page,
  url,
  world,
} from './live-browser.js';

openLiveDashboard();

describe('jobs', () => {
  it('run now shows the outcome and the run in the history', async () => {
    await page.goto(url('/jobs/nightly-report'));
    await page.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toMatch(/Run .* succeeded/);
    const [run] = await world.scheduler.listRuns('nightly-report');
    await expect.poll(() => page.locator(`#run-${run!.id}`).isVisible()).toBe(true);
    expect(await page.locator(`#run-${run!.id}`).textContent()).toContain('manual');
  });

  it('pause and resume change the next run', async () => {
    await page.goto(url('/jobs/sync-crm'));
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.getByText('none while paused').isVisible()).toBe(true);
    expect((await world.scheduler.getJob('sync-crm'))?.enabled).toBe(false);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Pause' }).isVisible()).toBe(true);
    const job = await world.scheduler.getJob('sync-crm');
    expect(job?.enabled).toBe(true);
    expect(await page.locator('.fields time').first().getAttribute('datetime')).toBe(
      job!.nextRunAt!.toISOString(),
    );
  });

  it('the run history refreshes by itself', async () => {
    await page.goto(url('/jobs/nightly-report'));
    const before = await page.locator('tr[id^="run-"]').count();
    await world.scheduler.triggerJob('nightly-report');
    await expect.poll(() => page.locator('tr[id^="run-"]').count(), { timeout: 5_000 }).toBe(before + 1);
  });

  it('a live refresh keeps a table where it was scrolled sideways on a phone', async () => {
    const phone = await browser.browser.newContext({ viewport: { width: 375, height: 740 } });
    const { page: small } = await watchedPage(phone);
    await small.goto(url('/jobs/nightly-report'));
    // The run history's sideways scroll (set first when `left` is given) and its rows, in one task of the page:
    // a live refresh swaps the table every few hundred ms, and a locator finds the element in one round trip
    // and uses it in the next, by when it may be a detached copy (scrolled 0).
    const history = async (left?: number) =>
      (await small.evaluate(`(() => {
        const table = [...document.querySelectorAll('#content .table-wrap')].at(-1);
        ${left === undefined ? '' : `table.scrollLeft = ${left};`}
        return { rows: table.querySelectorAll('tr[id^="run-"]').length, scrollLeft: table.scrollLeft };
      })()`)) as { rows: number; scrollLeft: number };
    const before = await history(120);
    expect(before.scrollLeft).toBe(120);
    await world.scheduler.triggerJob('nightly-report');
    await expect
      .poll(() => history(), { timeout: 15_000 })
      .toEqual({ rows: before.rows + 1, scrollLeft: 120 });
    await phone.close();
  });

  it('works without JavaScript: links and forms', async () => {
    const plain = await browser.browser.newContext({ javaScriptEnabled: false });
    const noJs = await plain.newPage();
    await noJs.goto(url('/jobs'));
    await noJs.getByRole('link', { name: 'paused-job' }).click();
    await noJs.getByRole('button', { name: 'Resume' }).click();
    await noJs.waitForURL(/done=resumed/);
    expect(await noJs.locator('.flash').textContent()).toContain('Resumed');
    expect((await world.scheduler.getJob('paused-job'))?.enabled).toBe(true);
    await plain.close();
  });
});

it('shows no seeded secret anywhere after all of the above', expectNoSeededSecretAfterAll);
