/**
 * Testing an app's jobs with cronhook's test kit: a FakeClock makes a day pass in milliseconds and a
 * MockTransport answers the HTTP calls, so the tests need no network and no waiting. In an app, import from
 * `cronhook` and `cronhook/testing`; this repository imports its sources.
 */

import { MemoryStorage, Scheduler, type SchedulerEvents, WebhookNotifier } from 'cronhook';
import { FakeClock, MockTransport } from 'cronhook/testing';
import { verifyWebhook, type WebhookEvent } from 'cronhook/verify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerBillingJobs } from './billing-jobs.js';

const BILLING = 'https://billing.test';

function setup(options: { overdue?: string[] } = {}) {
  // Friday 2026-03-27, 12:00 UTC: the weekend after it holds the spring-forward DST change in Berlin.
  const clock = new FakeClock('2026-03-27T12:00:00Z');
  const transport = new MockTransport([], { clock });
  const storage = new MemoryStorage();
  const scheduler = new Scheduler({ clock, transport, storage });
  const reminded: string[] = [];
  const failed: Array<SchedulerEvents['job.failed']> = [];
  scheduler.on('job.failed', (e) => void failed.push(e));
  return { clock, transport, storage, scheduler, reminded, failed, options };
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function start(ctx: ReturnType<typeof setup>) {
  await registerBillingJobs(ctx.scheduler, {
    billingUrl: BILLING,
    sendReminder: async (id) => void ctx.reminded.push(id),
    overdueCustomers: async () => ctx.options.overdue ?? [],
  });
  await ctx.scheduler.start();
  stop = () => ctx.scheduler.stop();
}

describe('billing jobs', () => {
  it('runs the invoice job at 02:30 Berlin time, also on the night the clocks spring forward', async () => {
    const ctx = setup();
    await start(ctx);
    await ctx.clock.advance('3d');
    const calls = ctx.transport.requestsTo(`${BILLING}/invoices/run`);
    expect(calls.map((r) => new Date(r.at).toISOString())).toEqual([
      '2026-03-28T01:30:00.000Z', // Saturday, CET (UTC+1)
      // Sunday 02:30 does not exist in Berlin (02:00 jumps to 03:00): it runs one gap later, at 03:30 CEST
      // (docs/schedules.md), so the night's invoices are not skipped.
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z', // Monday, CEST (UTC+2)
    ]);
    expect(calls[0]).toMatchObject({ method: 'POST', body: '{"dryRun":false}' });
  });

  it('retries a failing billing service a minute apart and reports the run failed after three attempts', async () => {
    const ctx = setup();
    ctx.transport.reply([{ status: 503 }]);
    await start(ctx);
    await ctx.clock.advance('14h'); // to Saturday 02:00 UTC: the first run and both retries are done
    expect(
      ctx.transport
        .requestsTo(`${BILLING}/invoices/run`)
        .map((r) => r.at - Date.parse('2026-03-28T01:30:00Z')),
    ).toEqual([0, 60_000, 120_000]);
    expect(ctx.failed).toHaveLength(1);
    expect(ctx.failed[0]).toMatchObject({
      job: { id: 'nightly-invoices' },
      run: { attempts: 3, statusCode: 503 },
    });
  });

  it('sends reminders on weekdays only', async () => {
    const ctx = setup({ overdue: ['cus_1', 'cus_2'] });
    await start(ctx);
    await ctx.clock.advance('3d'); // Friday noon → Monday noon: Saturday and Sunday 09:00 pass by
    expect(ctx.reminded).toEqual(['cus_1', 'cus_2']);
    const [run] = await ctx.scheduler.listRuns('payment-reminders');
    expect(run).toMatchObject({ status: 'succeeded', scheduledAt: new Date('2026-03-30T07:00:00Z') });
  });

  it('tells the ops webhook, signed, when the invoice run fails', async () => {
    const ctx = setup();
    ctx.transport.reply((request) => (request.url.startsWith(BILLING) ? { status: 500 } : { status: 204 }));
    const notifier = new WebhookNotifier({
      scheduler: ctx.scheduler,
      storage: ctx.storage,
      transport: ctx.transport,
      clock: ctx.clock,
    });
    const { secret } = await notifier.addEndpoint({
      url: 'https://ops.test/hooks',
      topics: ['job.execution.failed'],
    });
    await notifier.start();
    await start(ctx);
    stop = async () => {
      await ctx.scheduler.stop();
      await notifier.stop();
    };
    await ctx.clock.advance('14h');

    const [hook] = ctx.transport.requestsTo('https://ops.test/hooks');
    expect(hook).toBeDefined();
    const event = verifyWebhook<WebhookEvent>({
      payload: hook!.body!,
      headers: hook!.headers,
      secret,
      now: new Date(hook!.at), // the receiver checks the timestamp when the request arrives
    });
    expect(event).toMatchObject({
      type: 'job.execution.failed',
      data: {
        job: { id: 'nightly-invoices', metadata: { team: 'billing' } },
        run: { status: 'failed', attempts: 3 },
      },
    });
  });
});
