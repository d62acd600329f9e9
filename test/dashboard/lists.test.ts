/** Lists and their filters over real HTTP: paging, searching, time windows, failing jobs, the overview's counts. */
import { describe, expect, it } from 'vitest';
import { at, delivery, message, minimalJob, run, T0 } from '../../src/testing/storage-suite/fixtures.js';
import { serve, worldPerTest } from './fixture.js';

const HOUR = 3_600_000;

const t = worldPerTest();
const text = t.page;

describe('lists', () => {
  it('pages with cursors, filters by status and searches by id prefix', async () => {
    for (let i = 0; i < 7; i++) {
      await t.world.scheduler.addJob({
        id: `bulk-${i}`,
        schedule: { every: '1h' },
        target: { handler: 'report' },
      });
    }
    t.served = await serve({ scheduler: t.world.scheduler, public: true, pageSize: 4 });
    const ids = (html: string) => [...html.matchAll(/<a href="\/jobs\/([^"]+)">/g)].map((m) => m[1]);
    const first = await text('/jobs?q=bulk-');
    expect(ids(first.html)).toEqual(['bulk-0', 'bulk-1', 'bulk-2', 'bulk-3']);
    const next = /href="([^"]+)" rel="next"/.exec(first.html)![1]!.replaceAll('&amp;', '&');
    const second = await text(next);
    expect(ids(second.html)).toEqual(['bulk-4', 'bulk-5', 'bulk-6']);
    expect(second.html).not.toContain('rel="next"');
    expect(ids((await text('/jobs?status=paused')).html)).toEqual(['paused-job']);
    expect(ids((await text('/jobs?q=sync-crm')).html)).toEqual(['sync-crm']);
  });
});

describe('deliveries in a time window', () => {
  it('lists those created in [since, until), and the pages keep every filter', async () => {
    // Six deliveries to the seeded endpoint, an hour apart from T0 (UTC).
    for (let i = 0; i < 6; i++) {
      const createdAt = at(i * HOUR);
      await t.world.storage.insertMessage({
        message: message(`msg-w${i}`, { topic: 'invoice.paid', createdAt }),
        deliveries: [
          delivery(`dlv-w${i}`, `msg-w${i}`, t.world.endpointId, { topic: 'invoice.paid', createdAt }),
        ],
      });
    }
    t.served = await serve({ notifier: t.world.notifier, public: true, pageSize: 2 });
    const minute = (ms: number) => new Date(T0 + ms).toISOString().slice(0, 16);
    const ids = (html: string) => [...html.matchAll(/<a href="\/deliveries\/(dlv-w\d)">/g)].map((m) => m[1]);
    // T0 is 01:02:03.456; the window's minutes run from 02:02 (the delivery at +1 h is after it) to 05:02.
    const first = await text(
      `/deliveries?topic=invoice.paid&since=${minute(HOUR)}&until=${minute(4 * HOUR)}`,
    );
    expect(first.status).toBe(200);
    expect(first.html).toContain(`name="until" value="${minute(4 * HOUR)}"`);
    expect(ids(first.html)).toEqual(['dlv-w3', 'dlv-w2']);
    const next = /href="([^"]+)" rel="next"/.exec(first.html)![1]!.replaceAll('&amp;', '&');
    const query = new URL(next, t.served.origin).searchParams;
    expect([query.get('topic'), query.get('since'), query.get('until')]).toEqual([
      'invoice.paid',
      minute(HOUR),
      minute(4 * HOUR),
    ]);
    const second = await text(next);
    expect(ids(second.html)).toEqual(['dlv-w1']);
    expect(second.html).not.toContain('rel="next"');
    // until alone: everything before it, newest first.
    expect(ids((await text(`/deliveries?until=${minute(2 * HOUR)}`)).html)).toEqual(['dlv-w1', 'dlv-w0']);
  });
});

describe('overview and filters backed by Storage.stats and the job filter', () => {
  it('counts runs, failing jobs and deliveries; filters deliveries by job', async () => {
    t.world.scheduler.handle('report', async () => {
      throw new Error('report broke');
    });
    await t.world.scheduler.triggerJob('nightly-report');
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
    const { html } = await text('/');
    expect(html).toMatch(/<span class="stat-value">1<\/span><span class="stat-label">failing<\/span>/);
    expect(html).toMatch(/Runs, last hour:<\/span> <span class="badge bad">1 failed<\/span>/);
    expect(html).toMatch(/<span class="stat-value">1<\/span><span class="stat-label">failed<\/span>/); // the failed ping
    const byJob = await text('/deliveries?job=nightly-report');
    const topics = [...byJob.html.matchAll(/<br><code>((?:[a-z.]|<wbr>)+)<\/code><\/td>/g)].map((m) =>
      m[1]!.replaceAll('<wbr>', ''),
    );
    expect(topics.sort()).toEqual(['job.execution.failed', 'job.execution.started']);
    expect((await text('/deliveries?job=sync-crm')).html).toContain('No delivery matches.');
  });
});

describe('failing jobs', () => {
  it('the failing filter lists active jobs whose newest run failed, and the overview links to it', async () => {
    t.world.scheduler.handle('report', async () => {
      throw new Error('report broke');
    });
    await t.world.scheduler.triggerJob('nightly-report');
    await t.world.scheduler.triggerJob('paused-job'); // fails too, but is paused
    t.served = await serve({ scheduler: t.world.scheduler, public: true });
    const ids = (html: string) => [...html.matchAll(/<a href="\/jobs\/([^"]+)">/g)].map((m) => m[1]);
    expect(ids((await text('/jobs?status=failing')).html)).toEqual(['nightly-report']);
    expect((await text('/')).html).toContain('href="/jobs?status=failing"');
    t.world.scheduler.handle('report', async () => ({ ok: true }));
    await t.world.scheduler.triggerJob('nightly-report');
    expect(ids((await text('/jobs?status=failing')).html)).toEqual([]);
  });

  it('lists every failing job, however old its failure and however many newer failures others had, page by page', async () => {
    const s = t.world.storage;
    const failedRun = (
      id: string,
      jobId: string,
      offset: number,
      status: 'failed' | 'succeeded' = 'failed',
    ) => run(id, jobId, { status, scheduledAt: at(offset), occurrenceKey: id });
    // Seven jobs whose one run failed a month ago.
    for (let i = 0; i < 7; i++) {
      await s.insertJob(minimalJob(`f-${i}`));
      await s.insertRun(failedRun(`f-${i}-run`, `f-${i}`, -30 * 24 * HOUR));
    }
    // Since then, a flaky job failed 1,200 times and has recovered: none of the newest failed runs is theirs.
    await s.insertJob(minimalJob('flaky'));
    for (let i = 0; i < 1_200; i++) await s.insertRun(failedRun(`flaky-${i}`, 'flaky', -HOUR + i));
    await s.insertRun(failedRun('flaky-ok', 'flaky', 0, 'succeeded'));
    t.served = await serve({ scheduler: t.world.scheduler, public: true, pageSize: 3 });
    const ids = (html: string) => [...html.matchAll(/<a href="\/jobs\/([^"]+)">/g)].map((m) => m[1]!);
    const seen: string[] = [];
    let page = await text('/jobs?status=failing');
    expect(page.html).toContain('Active jobs whose newest finished run failed.</p>');
    for (;;) {
      seen.push(...ids(page.html));
      const next = /href="([^"]+)" rel="next"/.exec(page.html)?.[1]?.replaceAll('&amp;', '&');
      if (!next) break;
      expect(new URL(next, t.served.origin).searchParams.get('status')).toBe('failing');
      page = await text(next);
    }
    expect(seen).toEqual(['f-0', 'f-1', 'f-2', 'f-3', 'f-4', 'f-5', 'f-6']);
    expect(ids((await text('/jobs?status=failing&q=f-4')).html)).toEqual(['f-4']);
    expect(ids((await text('/jobs?status=failing&q=flaky')).html)).toEqual([]);
  });

  it('on a storage without listFailingJobs, looks among the newest failed runs and says so', async () => {
    Object.defineProperty(t.world.storage, 'listFailingJobs', { value: undefined });
    t.world.scheduler.handle('report', async () => {
      throw new Error('report broke');
    });
    await t.world.scheduler.triggerJob('nightly-report');
    t.served = await serve({ storage: t.world.storage, public: true });
    const { html } = await text('/jobs?status=failing');
    expect(html).toContain('among the jobs of the latest 1,000 failed runs');
    expect([...html.matchAll(/<a href="\/jobs\/([^"]+)">/g)].map((m) => m[1])).toEqual(['nightly-report']);
  });
});
