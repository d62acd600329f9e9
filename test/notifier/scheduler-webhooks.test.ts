import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';
import { verifyWebhook } from '../../src/verify/index.js';
import { createNotifierHarness } from '../helpers/notifier.js';
import { createTestScheduler } from '../helpers/scheduler.js';

// Webhooks of a real Scheduler's runs, end to end on the fake clock. The payloads and topics of each event,
// given by hand: scheduler-events.test.ts.

const HOOK = 'https://hooks.example.com/cron';

describe('WebhookNotifier with a real Scheduler', () => {
  it('delivers job.execution.* webhooks for runs of a real scheduler on the fake clock', async () => {
    const storage = new MemoryStorage();
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const transport = new MockTransport((r) => ({ status: r.url.startsWith('https://api.') ? 500 : 200 }), {
      clock,
    });
    const { scheduler } = createTestScheduler({ clock, storage, transport });
    const h = createNotifierHarness({ clock, storage, transport, scheduler });
    const { secret } = await h.notifier.addEndpoint({
      url: HOOK,
      topics: ['job.execution.succeeded', 'job.execution.failed'],
    });
    scheduler.handle('ok', () => 'done');
    await scheduler.addJob({
      id: 'handler-job',
      schedule: { every: '1m' },
      target: { handler: 'ok' },
      metadata: { team: 'a' },
    });
    await scheduler.addJob({
      id: 'http-job',
      schedule: { every: '1m' },
      // The query and the header carry credentials: neither may reach a receiver (issue 14).
      target: { url: 'https://api.example.com/x?api_key=K3Y', headers: { authorization: 'Bearer T0K3N' } },
    });
    await scheduler.start();
    await h.notifier.start();
    await clock.advance('1m');
    await h.settle();

    const hooks = transport.requestsTo(HOOK);
    const events = hooks.map((r) =>
      verifyWebhook<{ type: string; data: { job: { id: string }; run: { status: string } } }>({
        payload: r.body!,
        headers: r.headers,
        secret,
        now: clock.date(),
      }),
    );
    expect(events.map((e) => `${e.data.job.id}:${e.type}`).sort()).toEqual([
      'handler-job:job.execution.succeeded',
      'http-job:job.execution.failed',
    ]);
    for (const hook of hooks) expect(hook.body).not.toMatch(/K3Y|T0K3N/);
    expect(events.find((e) => e.data.job.id === 'http-job')?.data).toMatchObject({
      job: { target: { url: 'https://api.example.com/x', method: 'POST' } },
      run: { error: { code: 'ERR_HTTP_STATUS', message: 'POST https://api.example.com/x answered 500' } },
    });
    const runs = await scheduler.listRuns('handler-job');
    expect(events.find((e) => e.data.job.id === 'handler-job')!.data.run).toMatchObject({
      id: runs[0]!.id,
      status: 'succeeded',
    });
    await scheduler.stop();
    await h.notifier.stop();
  });

  it('keeps storing job events while the notifier is stopped and sends them on start', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const storage = new MemoryStorage();
    const { scheduler, transport } = createTestScheduler({ clock, storage });
    const h = createNotifierHarness({ clock, storage, transport, scheduler });
    await h.notifier.addEndpoint({ url: HOOK, topics: ['job.execution.succeeded'] });
    scheduler.handle('ok', () => undefined);
    await scheduler.addJob({ id: 'j', schedule: { every: '1m' }, target: { handler: 'ok' } });
    await scheduler.start();
    await clock.advance('3m');
    expect(transport.requestsTo(HOOK)).toHaveLength(0);
    expect((await h.notifier.listDeliveries({ status: 'pending' })).deliveries).toHaveLength(3);
    await scheduler.stop();
    await h.notifier.start();
    await h.settle();
    expect(transport.requestsTo(HOOK)).toHaveLength(3);
    await h.notifier.stop();
  });
});
