/**
 * Receivers that echo what they were sent: what is kept of their answer (run and attempt excerpts, shown in
 * the dashboard, the CLI and events) holds none of the request's secrets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { REDACTED, redactSecrets, requestSecrets } from '../../src/transport/echoed-secrets.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http-server.js';

describe('requestSecrets / redactSecrets', () => {
  it('finds header values (and the credential after a scheme), the password and query values', () => {
    const secrets = requestSecrets('https://svc:pa%24%24word1@api.example.com/x?api_key=k3y%2Bvalue&page=2', {
      authorization: 'Bearer tok-0123456789',
      'x-api-key': 'key-abcdefgh',
      'content-type': 'application/json',
      'x-short': 'abc',
    });
    expect(secrets).toEqual(
      expect.arrayContaining([
        'Bearer tok-0123456789',
        'tok-0123456789',
        'key-abcdefgh',
        'pa%24%24word1',
        'pa$$word1',
        'k3y%2Bvalue',
        'k3y+value',
      ]),
    );
    // Not secrets: what describes the request, and values too short to be a credential.
    expect(secrets).not.toContain('application/json');
    expect(secrets).not.toContain('abc');
    expect(secrets).not.toContain('2');
    // Longest first: a whole value goes before a part of it.
    expect(secrets.indexOf('Bearer tok-0123456789')).toBeLessThan(secrets.indexOf('tok-0123456789'));
  });

  it('cuts every occurrence out of a text and leaves the rest', () => {
    const secrets = requestSecrets('https://api.example.com/x', { authorization: 'Bearer tok-0123456789' });
    expect(redactSecrets('invalid token tok-0123456789 (tok-0123456789)', secrets)).toBe(
      `invalid token ${REDACTED} (${REDACTED})`,
    );
    expect(redactSecrets('all fine', secrets)).toBe('all fine');
    expect(redactSecrets('anything', [])).toBe('anything');
  });
});

/** A receiver that answers with everything it was sent, as a debugging endpoint or an error page does. */
let echo: TestHttpServer | undefined;
afterEach(async () => {
  await echo?.close();
  echo = undefined;
});
async function startEcho(status: number): Promise<TestHttpServer> {
  echo = await startHttpServer((req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', 'x-request-id': String(req.headers['x-api-key']) });
    res.end(`got ${req.method} ${req.url} with ${JSON.stringify(req.headers)}`);
  });
  return echo;
}

const SECRETS = ['tok-job-0123456789', 'query-token-4567', 'hdr-value-abcdef', 'ep-auth-987654321'];

describe('what is kept of an echoing receiver’s answer', () => {
  it('a run of an HTTP job keeps no header value or query token in its excerpt, its events or history', async () => {
    const server = await startEcho(401);
    const storage = new MemoryStorage();
    const scheduler = new Scheduler({ storage });
    const seen: string[] = [];
    scheduler.on('job.failed', (e) => void seen.push(JSON.stringify(e.run)));
    await scheduler.addJob({
      id: 'echo',
      schedule: { every: '1h' },
      target: {
        url: server.url('/charge?api_key=query-token-4567'),
        headers: { authorization: 'Bearer tok-job-0123456789', 'x-api-key': 'hdr-value-abcdef' },
      },
    });
    const run = await scheduler.triggerJob('echo');
    // The request carried them: the receiver got and echoed every one.
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tok-job-0123456789');
    expect(run.responseSnippet).toContain('got POST /charge?api_key=');
    expect(run.responseSnippet).toContain(`"authorization":"${REDACTED}"`);
    const kept = JSON.stringify(await scheduler.listRuns('echo')) + seen.join('');
    for (const secret of SECRETS) expect(kept, secret).not.toContain(secret);
  });

  it('a delivery attempt keeps no authorization, header value or query token in its excerpt or headers', async () => {
    const server = await startEcho(500);
    const storage = new MemoryStorage();
    const notifier = new WebhookNotifier({ storage, allowPrivateNetworks: true, retrySchedule: [] });
    const { endpoint } = await notifier.addEndpoint({
      url: server.url('/hook?token=query-token-4567'),
      topics: ['*'],
      authorization: 'Bearer ep-auth-987654321',
      headers: { 'x-api-key': 'hdr-value-abcdef' },
    });
    const attempt = await notifier.ping(endpoint.id);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer ep-auth-987654321');
    expect(attempt.responseSnippet).toContain('got POST /hook?token=');
    expect(attempt.responseHeaders['x-request-id']).toBe(REDACTED);
    const kept = JSON.stringify([attempt, await notifier.getDelivery(attempt.deliveryId)]);
    for (const secret of SECRETS) expect(kept, secret).not.toContain(secret);
  });
  it("redacts an endpoint's values as they are at each attempt, after each write to the endpoint", async () => {
    // In-process storage's endpoint records are checked once each: a write makes a new record, checked anew.
    const server = await startEcho(200);
    const notifier = new WebhookNotifier({ storage: new MemoryStorage(), allowPrivateNetworks: true });
    const { endpoint } = await notifier.addEndpoint({
      url: server.url('/hook'),
      headers: { 'x-api-key': 'hdr-value-abcdef' },
    });
    const first = await notifier.ping(endpoint.id);
    await notifier.updateEndpoint(endpoint.id, {
      headers: { 'x-api-key': 'hdr-value-ghijkl' },
      authorization: 'Bearer ep-auth-987654321',
    });
    const second = await notifier.ping(endpoint.id);
    await notifier.updateEndpoint(endpoint.id, { url: server.url('/hook?token=query-token-4567') });
    const third = await notifier.ping(endpoint.id);
    expect(server.requests.map((r) => r.headers['x-api-key'])).toEqual([
      'hdr-value-abcdef',
      'hdr-value-ghijkl',
      'hdr-value-ghijkl',
    ]);
    for (const attempt of [first, second, third]) {
      expect(attempt.responseSnippet).toContain(`"x-api-key":"${REDACTED}"`);
      expect(attempt.responseHeaders['x-request-id']).toBe(REDACTED);
    }
    expect(third.responseSnippet).toContain('got POST /hook?token=');
    const kept = JSON.stringify([first, second, third]);
    for (const secret of [...SECRETS, 'hdr-value-ghijkl']) expect(kept, secret).not.toContain(secret);
  });
});
