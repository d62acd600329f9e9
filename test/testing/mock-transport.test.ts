import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';

describe('MockTransport', () => {
  it('records requests with lower-cased headers and answers from a list, repeating the last reply', async () => {
    const transport = new MockTransport([
      { status: 503 },
      { status: 200, body: 'ok', headers: { 'X-A': '1' } },
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await transport.send({
        url: 'https://a.test/x',
        headers: { 'Content-Type': 'text/plain' },
        body: 'b',
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([503, 200, 200]);
    expect(transport.requests[0]).toMatchObject({
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'b',
    });
    expect((await transport.send({ url: 'https://b.test/' })).headers).toEqual({ 'x-a': '1' });
    expect(transport.requestsTo('https://b.test')).toHaveLength(1);
  });

  it('answers from a function of the request, and fails with a scripted error code', async () => {
    const transport = new MockTransport((req) =>
      req.url.endsWith('/down') ? { error: 'ERR_CONNECTION' } : { status: 204 },
    );
    expect((await transport.send({ url: 'https://a.test/up' })).status).toBe(204);
    await expect(transport.send({ url: 'https://a.test/down' })).rejects.toMatchObject({
      code: 'ERR_CONNECTION',
    });
  });

  it('delays on its clock, times out past timeoutMs, and aborts with the signal', async () => {
    const clock = new FakeClock(0);
    const transport = new MockTransport([{ status: 200, delayMs: 5000 }], { clock });
    const slow = transport.send({ url: 'https://a.test/', timeoutMs: 10_000 });
    await clock.advance(5000);
    expect((await slow).durationMs).toBe(5000);
    const timedOut = transport.send({ url: 'https://a.test/', timeoutMs: 1000 });
    const assertion = expect(timedOut).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    await clock.advance(1000);
    await assertion;
    const controller = new AbortController();
    const aborted = transport.send({ url: 'https://a.test/' }, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(CronhookError);
  });
});

describe('MockTransport errors name the target as HttpTransport does', () => {
  it('the origin only: no credentials, path or query (they are stored on runs and sent in webhooks)', async () => {
    const clock = new FakeClock(0);
    const url = 'https://svc:pw_S3CRET@a.test/hooks/path_S3CRET?key=query_S3CRET';
    const transport = new MockTransport(
      (_req, i) => (i === 0 ? { error: 'ERR_CONNECTION' } : { status: 200, delayMs: 5000 }),
      { clock },
    );
    const messages: string[] = [];
    const message = (error: unknown) => messages.push((error as Error).message);
    await transport.send({ url }).catch(message);
    const timedOut = transport.send({ url, timeoutMs: 1000 }).catch(message);
    await clock.advance(1000);
    await timedOut;
    const controller = new AbortController();
    const aborted = transport.send({ url }, { signal: controller.signal }).catch(message);
    controller.abort();
    await aborted;
    expect(messages).toEqual([
      'Mock ERR_CONNECTION for https://a.test',
      'Request to https://a.test timed out after 1000 ms',
      'Request to https://a.test was aborted',
    ]);
  });
});

describe('MockTransport keeps the time of the scheduler or notifier sending through it', () => {
  it("records a scheduler's fake time and waits on it, with no clock of its own", async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const transport = new MockTransport([{ status: 200, delayMs: 10_000 }]); // no { clock }
    const scheduler = new Scheduler({ clock, transport });
    await scheduler.addJob({ id: 'j', schedule: '* * * * *', target: { url: 'https://a.example/j' } });
    await scheduler.start();
    await clock.advance('1m');
    expect(transport.requests.map((r) => new Date(r.at).toISOString())).toEqual(['2026-01-01T00:01:00.000Z']);
    // The reply's delay passes on the fake clock: no real waiting.
    await clock.advance('10s');
    const [run] = await scheduler.listRuns('j');
    expect(run).toMatchObject({ status: 'succeeded', durationMs: 10_000 });
    await scheduler.stop();
  });

  it("records a notifier's fake time (the scheduler's clock by default)", async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const transport = new MockTransport();
    const scheduler = new Scheduler({ clock, transport });
    const notifier = new WebhookNotifier({ scheduler, transport });
    expect(notifier.clock).toBe(clock);
    const { endpoint } = await notifier.addEndpoint({ url: 'https://hooks.example/cron', topics: ['*'] });
    await notifier.ping(endpoint.id);
    expect(transport.requests.map((r) => r.at)).toEqual([clock.now()]);
  });

  it('refuses a clock of its own that is not the sender’s, naming the option', async () => {
    const transport = new MockTransport([], { clock: new FakeClock() });
    await expect(
      transport.send({ url: 'https://a.example/x' }, { clock: new FakeClock() }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', field: 'clock' });
    const own = new FakeClock('2030-01-01T00:00:00Z');
    const standalone = new MockTransport([], { clock: own });
    await standalone.send({ url: 'https://a.example/x' });
    await standalone.send({ url: 'https://a.example/x' }, { clock: own });
    expect(standalone.requests.map((r) => r.at)).toEqual([own.now(), own.now()]);
  });
});
