/** Pages, bad input, base paths and what each subset of scheduler/notifier/storage shows, over real HTTP. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDashboard } from '../../src/dashboard/index.js';
import { at, delivery, message, minimalJob, run, T0 } from '../../src/testing/storage-suite/fixtures.js';
import { cookieOf, postForm as postTo, type Served, seedWorld, serve, type World } from './fixture.js';

const HOUR = 3_600_000;

let world: World;
let served: Served | undefined;

beforeEach(async () => {
  world = await seedWorld();
});
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function text(path: string, init?: RequestInit) {
  const res = await fetch(served!.url(path), init);
  return { status: res.status, html: await res.text(), res };
}

function postForm(path: string, fields: Record<string, string> = {}) {
  return postTo(served!, path, fields);
}

describe('bad input', () => {
  beforeEach(async () => {
    served = await serve({ scheduler: world.scheduler, notifier: world.notifier, public: true });
  });

  it('answers an error page with a status, never a stack trace', async () => {
    const cases: Array<[string, number]> = [
      ['/jobs/no-such-job', 404],
      ['/endpoints/ep_missing', 404],
      ['/deliveries/dlv_missing', 404],
      ['/jobs/%E0%A4%A', 400],
      ['/jobs?cursor=not-a-cursor!', 400],
      [`/jobs?cursor=${Buffer.from('[1,2]').toString('base64url')}`, 400],
      ['/deliveries?cursor=eyJ4IjoxfQ', 400],
      [`/jobs?q=${'x'.repeat(5000)}`, 400],
      ['/jobs?status=everything', 400],
      ['/deliveries?status=lost', 400],
      ['/deliveries?since=yesterday', 400],
      ['/deliveries?until=2026-13-01T00:00', 400],
      ['/deliveries?since=2026-01-02T00:00&until=2026-01-01T00:00', 400],
      [`/jobs/${'a'.repeat(400)}`, 400],
      ['/no/such/page', 404],
    ];
    for (const [path, status] of cases) {
      const { status: got, html } = await text(path);
      expect(got, path).toBe(status);
      expect(html, path).toMatch(/<h1>\d{3} /);
      expect(html, path).not.toMatch(/\n\s+at .+:\d+:\d+/);
    }
  });

  it('refuses malformed and oversized forms, and actions on unknown ids, changing nothing', async () => {
    expect((await postForm('/jobs/no-such-job/pause')).status).toBe(404);
    expect((await postForm('/endpoints/ep_missing/delete')).status).toBe(404);
    expect((await postForm('/deliveries/dlv_missing/redeliver')).status).toBe(404);
    expect((await postForm(`/endpoints/${world.endpointId}/rotate`, { graceHours: '-5' })).status).toBe(400);
    expect((await postForm(`/endpoints/${world.endpointId}/rotate`, { graceHours: 'abc' })).status).toBe(400);
    expect(
      (await postForm('/deliveries/replay', { endpointId: world.endpointId, since: 'soon' })).status,
    ).toBe(400);
    const huge = await postForm('/jobs/sync-crm/pause', { filler: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
    const json = await fetch(served!.url('/jobs/sync-crm/pause'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: served!.origin },
      body: '{}',
    });
    expect(json.status).toBe(400);
    const add = await postForm('/endpoints', { url: 'not a url', topics: 'job.*' });
    expect(add.status).toBe(400);
    expect(await add.text()).toContain('Add endpoint');
    expect((await world.scheduler.getJob('sync-crm'))?.enabled).toBe(true);
    expect(await world.notifier.listEndpoints()).toHaveLength(1);
    const endpoint = await world.storage.getEndpoint(world.endpointId);
    expect(endpoint?.secrets).toHaveLength(1);
  });

  it('answers 405 to other methods', async () => {
    const res = await fetch(served!.url('/jobs'), { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
  });
});

describe('actions show their outcome', () => {
  beforeEach(async () => {
    served = await serve({ scheduler: world.scheduler, notifier: world.notifier, public: true });
  });

  it('run now redirects to the job page, which shows the finished run', async () => {
    const res = await postForm('/jobs/nightly-report/run');
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    const [run] = await world.scheduler.listRuns('nightly-report');
    expect(location).toBe(`/jobs/nightly-report?run=${run!.id}`);
    const { html } = await text(location);
    expect(html).toContain(`Run <code>${run!.id}</code> succeeded`);
    expect(html).toContain(`id="run-${run!.id}"`);
    expect(html).toMatch(/>manual</);
  });

  it('pause and resume change the next run shown', async () => {
    const before = await text('/jobs/sync-crm');
    expect(before.html).toMatch(/Next run<\/dt><dd><time/);
    await postForm('/jobs/sync-crm/pause');
    const paused = await text('/jobs/sync-crm?done=paused');
    expect(paused.html).toContain('none while paused');
    expect(paused.html).toContain('>Resume</button>');
    await postForm('/jobs/sync-crm/resume');
    const resumed = await text('/jobs/sync-crm');
    expect(resumed.html).toMatch(/Next run<\/dt><dd><time/);
  });

  it('ping shows the receiver’s answer; redeliver keeps the webhook-id', async () => {
    world.transport.reply([{ status: 503 }]);
    const ping = await postForm(`/endpoints/${world.endpointId}/ping`);
    expect(ping.status).toBe(303);
    const { html } = await text(ping.headers.get('location')!);
    expect(html).toContain('Ping failed');
    world.transport.reply([{ status: 204 }]);
    const sent = world.transport.requests.length;
    const redeliver = await postForm(`/deliveries/${world.deliveryIds.failed}/redeliver`);
    expect(redeliver.status).toBe(303);
    const page = await text(redeliver.headers.get('location')!);
    expect(page.html).toContain('Redelivered with the same webhook-id: HTTP 204');
    const delivery = await world.notifier.getDelivery(world.deliveryIds.failed);
    const again = world.transport.requests[sent]!;
    expect(again.headers['webhook-id']).toBe(delivery!.messageId);
    expect(page.html).toContain(`<code id="webhook-id">${delivery!.messageId}</code>`);
  });

  it('replay counts first, then replays on confirmation', async () => {
    const since = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    await world.notifier.publish('invoice.paid', { id: 1 });
    // Fail the published delivery: one attempt, no retry schedule.
    const pending = await world.notifier.listDeliveries({ status: 'pending' });
    world.transport.reply([{ status: 500 }]);
    await world.notifier.redeliver(pending.deliveries[0]!.id);
    const stored = await world.storage.getDelivery(pending.deliveries[0]!.id);
    await world.storage.updateDelivery({ ...stored!, status: 'failed', nextAttemptAt: null });
    const preview = await postForm('/deliveries/replay', { endpointId: world.endpointId, since });
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toMatch(/<p>1 failed delivery to/);
    expect((await world.storage.getDelivery(stored!.id))?.status).toBe('failed');
    const confirm = await postForm('/deliveries/replay', {
      endpointId: world.endpointId,
      since,
      confirm: '1',
    });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toContain('done=replayed');
    expect((await world.storage.getDelivery(stored!.id))?.status).toBe('pending');
  });
});

describe('base path and proxies', () => {
  it('builds every link, form and asset under the base path, whether or not the request carries it', async () => {
    served = await serve({
      scheduler: world.scheduler,
      notifier: world.notifier,
      public: true,
      basePath: '/admin/cron/',
    });
    const withPrefix = await fetch(`${served.origin}/admin/cron/jobs`);
    const stripped = await fetch(`${served.origin}/jobs`);
    for (const res of [withPrefix, stripped]) {
      expect(res.status).toBe(200);
      const html = await res.text();
      const urls = [...html.matchAll(/(?:href|action|src)="([^"]+)"/g)].map((m) => m[1]!);
      expect(urls.length).toBeGreaterThan(5);
      for (const url of urls) {
        if (url.startsWith('data:') || url.startsWith('#')) continue;
        expect(url, url).toMatch(/^\/admin\/cron\//);
      }
      const css = urls.find((u) => u.endsWith('.css'))!;
      const asset = await fetch(`${served.origin}${css}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/^text\/css/);
      expect((await fetch(`${served.origin}${css.replace('/admin/cron', '')}`)).status).toBe(200);
    }
    expect(cookieOf(withPrefix)).toBeTruthy();
    expect(withPrefix.headers.getSetCookie()[0]).toContain('Path=/admin/cron');
  });

  it('fetch() serves Web Requests, as Hono, Bun and Deno pass them', async () => {
    const dashboard = createDashboard({ scheduler: world.scheduler, public: true, basePath: '/ops' });
    const res = await dashboard.fetch(new Request('http://example.test/ops/jobs?status=paused'));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('paused-job');
    expect(html).not.toContain('sync-crm');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const head = await dashboard.fetch(new Request('http://example.test/ops/', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('hands requests that are not its own to next()', async () => {
    const dashboard = createDashboard({ scheduler: world.scheduler, public: true, basePath: '/ops' });
    let passed = false;
    dashboard.handler(
      { url: '/somewhere-else', method: 'GET', headers: {}, socket: {} } as never,
      {} as never,
      () => {
        passed = true;
      },
    );
    expect(passed).toBe(true);
  });
});

describe('any subset of scheduler, notifier and storage', () => {
  it('storage alone gives a read-only view of every section', async () => {
    served = await serve({ storage: world.storage, public: true });
    const { html } = await text('/');
    expect(html).toContain('>Jobs</a>');
    expect(html).toContain('>Endpoints</a>');
    for (const path of [
      '/jobs/sync-crm',
      `/endpoints/${world.endpointId}`,
      `/deliveries/${world.deliveryIds.failed}`,
    ]) {
      const page = await text(path);
      expect(page.status).toBe(200);
      expect(page.html).not.toContain('method="post"');
    }
    expect((await postForm('/jobs/sync-crm/pause')).status).toBe(403);
  });

  it('a scheduler alone shows jobs and runs only; a notifier alone endpoints and deliveries only', async () => {
    served = await serve({ scheduler: world.scheduler, public: true });
    expect((await text('/')).html).not.toContain('>Endpoints</a>');
    expect((await text('/endpoints')).status).toBe(404);
    expect((await text('/jobs/sync-crm')).html).toContain('>Run now</button>');
    await served.close();
    served = await serve({ notifier: world.notifier, public: true });
    expect((await text('/')).html).not.toContain('>Jobs</a>');
    expect((await text('/jobs')).status).toBe(404);
    expect((await text(`/endpoints/${world.endpointId}`)).html).toContain('>Ping</button>');
  });
});

describe('lists', () => {
  it('pages with cursors, filters by status and searches by id prefix', async () => {
    for (let i = 0; i < 7; i++) {
      await world.scheduler.addJob({
        id: `bulk-${i}`,
        schedule: { every: '1h' },
        target: { handler: 'report' },
      });
    }
    served = await serve({ scheduler: world.scheduler, public: true, pageSize: 4 });
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
      await world.storage.insertMessage({
        message: message(`msg-w${i}`, { topic: 'invoice.paid', createdAt }),
        deliveries: [
          delivery(`dlv-w${i}`, `msg-w${i}`, world.endpointId, { topic: 'invoice.paid', createdAt }),
        ],
      });
    }
    served = await serve({ notifier: world.notifier, public: true, pageSize: 2 });
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
    const query = new URL(next, served.origin).searchParams;
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
    world.scheduler.handle('report', async () => {
      throw new Error('report broke');
    });
    await world.scheduler.triggerJob('nightly-report');
    served = await serve({ scheduler: world.scheduler, notifier: world.notifier, public: true });
    const { html } = await text('/');
    expect(html).toMatch(/<span class="stat-value">1<\/span><span class="stat-label">failing<\/span>/);
    expect(html).toMatch(/Runs, last hour:<\/span> <span class="badge bad">1 failed<\/span>/);
    expect(html).toMatch(/<span class="stat-value">1<\/span><span class="stat-label">failed<\/span>/); // the failed ping
    const byJob = await text('/deliveries?job=nightly-report');
    const topics = [...byJob.html.matchAll(/<td><code>([a-z.]+)<\/code><\/td>/g)].map((m) => m[1]);
    expect(topics.sort()).toEqual(['job.execution.failed', 'job.execution.started']);
    expect((await text('/deliveries?job=sync-crm')).html).toContain('No delivery matches.');
  });
});

describe('failing jobs', () => {
  it('the failing filter lists active jobs whose newest run failed, and the overview links to it', async () => {
    world.scheduler.handle('report', async () => {
      throw new Error('report broke');
    });
    await world.scheduler.triggerJob('nightly-report');
    await world.scheduler.triggerJob('paused-job'); // fails too, but is paused
    served = await serve({ scheduler: world.scheduler, public: true });
    const ids = (html: string) => [...html.matchAll(/<a href="\/jobs\/([^"]+)">/g)].map((m) => m[1]);
    expect(ids((await text('/jobs?status=failing')).html)).toEqual(['nightly-report']);
    expect((await text('/')).html).toContain('href="/jobs?status=failing"');
    world.scheduler.handle('report', async () => ({ ok: true }));
    await world.scheduler.triggerJob('nightly-report');
    expect(ids((await text('/jobs?status=failing')).html)).toEqual([]);
  });

  it('lists every failing job, however old its failure and however many newer failures others had, page by page', async () => {
    const s = world.storage;
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
    served = await serve({ scheduler: world.scheduler, public: true, pageSize: 3 });
    const ids = (html: string) => [...html.matchAll(/<a href="\/jobs\/([^"]+)">/g)].map((m) => m[1]!);
    const seen: string[] = [];
    let page = await text('/jobs?status=failing');
    expect(page.html).toContain('Active jobs whose newest finished run failed.</p>');
    for (;;) {
      seen.push(...ids(page.html));
      const next = /href="([^"]+)" rel="next"/.exec(page.html)?.[1]?.replaceAll('&amp;', '&');
      if (!next) break;
      expect(new URL(next, served.origin).searchParams.get('status')).toBe('failing');
      page = await text(next);
    }
    expect(seen).toEqual(['f-0', 'f-1', 'f-2', 'f-3', 'f-4', 'f-5', 'f-6']);
    expect(ids((await text('/jobs?status=failing&q=f-4')).html)).toEqual(['f-4']);
    expect(ids((await text('/jobs?status=failing&q=flaky')).html)).toEqual([]);
  });

  it('on a storage without listFailingJobs, looks among the newest failed runs and says so', async () => {
    Object.defineProperty(world.storage, 'listFailingJobs', { value: undefined });
    world.scheduler.handle('report', async () => {
      throw new Error('report broke');
    });
    await world.scheduler.triggerJob('nightly-report');
    served = await serve({ storage: world.storage, public: true });
    const { html } = await text('/jobs?status=failing');
    expect(html).toContain('among the jobs of the latest 1,000 failed runs');
    expect([...html.matchAll(/<a href="\/jobs\/([^"]+)">/g)].map((m) => m[1])).toEqual(['nightly-report']);
  });
});
