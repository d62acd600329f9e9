import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
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
