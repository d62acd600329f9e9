import { describe, expect, it } from 'vitest';
import type { ResponseTarget } from '../../src/transport/checked-sender.js';
import { checkedSender } from '../../src/transport/http.js';
import type { TransportResponse } from '../../src/transport/types.js';
import { closedPort } from '../helpers/http-server.js';
import { useHttpFixtures } from '../helpers/transport-fixtures.js';

// A sender that continues from a request's outcome without a promise (the notifier's attempts) hands the
// checked sender a target: it is told the outcome the promise would settle with, once, and never before send
// returns, so the caller's state after send is in place when its target runs.

const { server, transport } = useHttpFixtures();

/** A target that records what it is told, and whether send had returned by then. */
function recording() {
  const told: Array<{ response?: TransportResponse; error?: unknown; afterSend: boolean }> = [];
  let returned = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const target: ResponseTarget = {
    responded(response) {
      told.push({ response, afterSend: returned });
      resolveDone();
    },
    unanswered(error) {
      told.push({ error, afterSend: returned });
      resolveDone();
    },
  };
  return {
    target,
    told,
    done,
    returned() {
      returned = true;
    },
  };
}

function senderOf(created: ReturnType<typeof transport>) {
  const sender = checkedSender(created);
  if (sender === null) throw new Error('an HttpTransport has a checked sender');
  return sender;
}

describe('CheckedSender with a ResponseTarget', () => {
  it('tells the target the response the promise resolves with, once, and returns no promise', async () => {
    const receiver = await server((_req, res) => {
      res.writeHead(201, { 'x-answer': 'yes' }).end('created');
    });
    const sender = senderOf(transport());
    const checked = sender.check({ url: receiver.url('/hook'), body: '{"a":1}' });
    const expected = await sender.send(checked, checked.headers, undefined, null, true);
    const rec = recording();
    const sent = sender.send(checked, checked.headers, undefined, null, true, '{"b":2}', rec.target);
    rec.returned();
    expect(sent).toBeUndefined();
    await rec.done;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rec.told).toHaveLength(1);
    const [only] = rec.told;
    expect(only?.afterSend).toBe(true);
    expect(only?.response).toMatchObject({
      status: 201,
      body: 'created',
      bodyTruncated: false,
      headers: { 'x-answer': 'yes' },
    });
    expect(Object.keys(only!.response!).sort()).toEqual(Object.keys(expected).sort());
    expect(receiver.requests.map((r) => r.body)).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('tells the target a failure to connect, as the promise rejects with', async () => {
    const port = await closedPort();
    const sender = senderOf(transport());
    const checked = sender.check({ url: `http://127.0.0.1:${port}/hook`, body: '{}' });
    const rejected = await sender.send(checked, checked.headers, undefined, null, true).catch((e) => e);
    const rec = recording();
    sender.send(checked, checked.headers, undefined, null, true, undefined, rec.target);
    rec.returned();
    await rec.done;
    expect(rec.told).toHaveLength(1);
    expect(rejected).toMatchObject({ code: 'ERR_CONNECTION' });
    expect(rec.told[0]?.error).toMatchObject({ code: rejected.code, message: rejected.message });
  });

  it('tells a failure before the request is dispatched only after send returns', async () => {
    const receiver = await server();
    const created = transport();
    const sender = senderOf(created);
    const checked = sender.check({ url: receiver.url('/hook'), body: '{}' });
    // An aborted signal: the transport refuses before dispatching.
    const aborted = recording();
    sender.send(checked, checked.headers, AbortSignal.abort(), null, true, undefined, aborted.target);
    expect(aborted.told).toHaveLength(0);
    aborted.returned();
    await aborted.done;
    expect(aborted.told).toEqual([
      { error: expect.objectContaining({ code: 'ERR_ABORTED' }), afterSend: true },
    ]);
    // A closed transport.
    await created.close();
    const closed = recording();
    sender.send(checked, checked.headers, undefined, null, true, undefined, closed.target);
    expect(closed.told).toHaveLength(0);
    closed.returned();
    await closed.done;
    expect(closed.told).toEqual([
      { error: expect.objectContaining({ code: 'ERR_STOPPED' }), afterSend: true },
    ]);
    expect(receiver.requests).toHaveLength(0);
  });

  it('tells a failure undici reports while dispatching only after send returns', async () => {
    const receiver = await server();
    const sender = senderOf(transport());
    const checked = sender.check({ url: receiver.url('/hook'), body: '{}' });
    // A header value undici refuses when it builds the request (the notifier never sends one).
    const headers = [...checked.headers, 'x-bad', 'a\r\nb'];
    const rec = recording();
    sender.send(checked, headers, undefined, null, true, undefined, rec.target);
    expect(rec.told).toHaveLength(0);
    rec.returned();
    await rec.done;
    expect(rec.told).toHaveLength(1);
    expect(rec.told[0]?.afterSend).toBe(true);
    expect(rec.told[0]?.error).toHaveProperty('code');
    expect(receiver.requests).toHaveLength(0);
  });

  it('ends at the deadline and tells the target, closing the request', async () => {
    const receiver = await server(() => {
      // Never answers.
    });
    const sender = senderOf(transport());
    const checked = sender.check({ url: receiver.url('/hook'), body: '{}', timeoutMs: 50 });
    const rec = recording();
    sender.send(checked, checked.headers, undefined, null, true, undefined, rec.target);
    rec.returned();
    await rec.done;
    expect(rec.told).toEqual([{ error: expect.objectContaining({ code: 'ERR_TIMEOUT' }), afterSend: true }]);
  });
});
