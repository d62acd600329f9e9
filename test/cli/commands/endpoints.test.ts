import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  DeliveryAttempt,
  DeliveryDetails,
  DeliveryPage,
  Endpoint,
} from '../../../src/notifier/types.js';
import { verifyWebhook } from '../../../src/verify/index.js';
import { ensureCliBuilt, parseJson, runCli } from '../../helpers/cli.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('cli-endpoints');
let receiver: TestHttpServer;
let db: string;
const cli = (...args: string[]) => runCli([...args, '--db', db]);

beforeAll(async () => {
  await ensureCliBuilt();
  receiver = await startHttpServer((_req, res) => {
    res.writeHead(204).end();
  });
  db = temp.file('hooks.db');
});
afterAll(() => receiver.close());

/** Verifies the i-th request the receiver got with `secret`; throws when the signature does not match. */
function verifyRequest(index: number, secret: string): { type: string } {
  const request = receiver.requests[index];
  if (!request) throw new Error(`no request #${index}`);
  return verifyWebhook({ payload: request.body, headers: request.headers, secret });
}

describe('cronhook endpoints and deliveries', () => {
  it('add prints the secret once; list never shows it', async () => {
    const added = await cli(
      'endpoints',
      'add',
      '--url',
      receiver.url('/hooks'),
      '--topic',
      'job.*',
      '--description',
      'ops',
      '--json',
    );
    expect(added.code).toBe(0);
    const { endpoint, secret } = parseJson<{ endpoint: Endpoint; secret: string }>(added);
    expect(secret).toMatch(/^whsec_/);
    expect(endpoint).toMatchObject({ url: receiver.url('/hooks'), topics: ['job.*'], description: 'ops' });

    for (const args of [
      ['endpoints', 'list'],
      ['endpoints', 'list', '--json'],
    ]) {
      const listed = await cli(...args);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(endpoint.id);
      expect(listed.stdout).not.toContain('whsec_');
    }
  });

  it('add takes an id; a second add with it fails with ERR_DUPLICATE_ENDPOINT, changing nothing', async () => {
    const added = await cli('endpoints', 'add', '--id', 'ops-alerts', '--url', receiver.url('/ops'));
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^endpoint\s+ops-alerts$/m);
    const again = await cli('endpoints', 'add', '--id', 'ops-alerts', '--url', receiver.url('/other'));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'An endpoint with id "ops-alerts" already exists [ERR_DUPLICATE_ENDPOINT]',
    );
    expect((await cli('endpoints', 'remove', 'ops-alerts')).code).toBe(0);
  });

  it('names an endpoint by origin and path in its table, add output and --json, never with its query', async () => {
    const added = await cli('endpoints', 'add', '--url', receiver.url('/q?token=QU3RY'));
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^url\s+http:\/\/127\.0\.0\.1:\d+\/q$/m);
    const listed = await cli('endpoints', 'list');
    expect(listed.stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/q\s/);
    const id = /^endpoint\s+(\S+)$/m.exec(added.stdout)?.[1];
    const json = await cli('endpoints', 'list', '--json');
    expect(parseJson<Endpoint[]>(json).find((e) => e.id === id)).toMatchObject({
      url: receiver.url('/q'),
      urlHidden: ['query'],
    });
    const addedJson = await cli('endpoints', 'add', '--url', receiver.url('/q2?token=QU3RY'), '--json');
    const second = parseJson<{ endpoint: Endpoint }>(addedJson).endpoint;
    expect(second).toMatchObject({ url: receiver.url('/q2'), urlHidden: ['query'] });
    for (const output of [added, listed, json, addedJson]) expect(output.stdout).not.toContain('QU3RY');
    // The ping still goes to the whole stored URL.
    const before = receiver.requests.length;
    expect((await cli('endpoints', 'ping', second.id, '--allow-private-networks')).code).toBe(0);
    expect(receiver.requests.slice(before).map((r) => r.path)).toEqual(['/q2?token=QU3RY']);
    for (const remove of [id!, second.id]) expect((await cli('endpoints', 'remove', remove)).code).toBe(0);
  });

  it('ping sends a signed webhook.ping, rotate-secret switches the signing key, redeliver resends the same webhook-id', async () => {
    const { endpoint, secret } = parseJson<{ endpoint: Endpoint; secret: string }>(
      await cli('endpoints', 'add', '--url', receiver.url('/ping'), '--json'),
    );

    // The SSRF guard blocks loopback unless asked.
    const blocked = await cli('endpoints', 'ping', endpoint.id);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/ERR_DESTINATION_BLOCKED/);

    const first = receiver.requests.length;
    const ping = await cli('endpoints', 'ping', endpoint.id, '--allow-private-networks', '--json');
    expect(ping.code).toBe(0);
    expect(parseJson<DeliveryAttempt>(ping)).toMatchObject({ statusCode: 204, trigger: 'ping', error: null });
    expect(verifyRequest(first, secret).type).toBe('webhook.ping');

    const rotated = await cli('endpoints', 'rotate-secret', endpoint.id, '--grace', '0', '--json');
    expect(rotated.code).toBe(0);
    const next = parseJson<{ secret: string }>(rotated).secret;
    expect(next).not.toBe(secret);
    await cli('endpoints', 'ping', endpoint.id, '--allow-private-networks');
    expect(verifyRequest(first + 1, next).type).toBe('webhook.ping');
    expect(() => verifyRequest(first + 1, secret)).toThrow(/No signature/);

    const page = parseJson<DeliveryPage>(
      await cli('deliveries', 'list', '--endpoint', endpoint.id, '--json'),
    );
    expect(page.deliveries.map((d) => d.topic)).toEqual(['webhook.ping', 'webhook.ping', 'webhook.ping']);
    const latest = page.deliveries[0]!;

    const shown = parseJson<DeliveryDetails>(await cli('deliveries', 'show', latest.id, '--json'));
    expect(shown.attemptLog.map((a) => [a.trigger, a.statusCode])).toEqual([['ping', 204]]);
    expect(JSON.parse(shown.message.body)).toMatchObject({ type: 'webhook.ping' });
    const text = await cli('deliveries', 'show', latest.id);
    expect(text.stdout).toMatch(/^topic\s+webhook\.ping$/m);

    const redelivered = await cli('deliveries', 'redeliver', latest.id, '--allow-private-networks');
    expect(redelivered.code).toBe(0);
    const resent = receiver.requests[first + 2]!;
    expect(resent.headers['webhook-id']).toBe(receiver.requests[first + 1]!.headers['webhook-id']);
    expect(verifyRequest(first + 2, next).type).toBe('webhook.ping');

    const missing = await cli('deliveries', 'show', 'dlv_nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('cronhook: No delivery with id "dlv_nope" [ERR_DELIVERY_NOT_FOUND]');
    const badStatus = await cli('deliveries', 'list', '--status', 'done');
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('--status must be one of pending, succeeded, failed, got "done"');
  });

  it('a blocked ping says how to allow a private receiver; durations print to the millisecond', async () => {
    const { endpoint } = parseJson<{ endpoint: Endpoint }>(
      await cli('endpoints', 'add', '--url', receiver.url('/blocked'), '--json'),
    );
    const blocked = await cli('endpoints', 'ping', endpoint.id);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/private address.*--allow-private-networks/);

    const ping = await cli('endpoints', 'ping', endpoint.id, '--allow-private-networks');
    expect(ping.code).toBe(0);
    expect(ping.stderr).toBe('');
    expect(ping.stdout).toMatch(/^duration\s+\d+ ms$/m);
    const deliveries = parseJson<DeliveryPage>(
      await cli('deliveries', 'list', '--endpoint', endpoint.id, '--json'),
    );
    const shown = await cli('deliveries', 'show', deliveries.deliveries[0]!.id);
    for (const line of shown.stdout.split('\n').filter((l) => / ms\b/.test(l)))
      expect(line).not.toMatch(/\d\.\d+ ms/);
  });

  it('remove deletes the endpoint; removing it again is ERR_ENDPOINT_NOT_FOUND', async () => {
    const { endpoint } = parseJson<{ endpoint: Endpoint }>(
      await cli('endpoints', 'add', '--url', receiver.url('/gone'), '--json'),
    );
    expect((await cli('endpoints', 'remove', endpoint.id)).code).toBe(0);
    expect((await cli('endpoints', 'list')).stdout).not.toContain(endpoint.id);
    const again = await cli('endpoints', 'remove', endpoint.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[ERR_ENDPOINT_NOT_FOUND]');
  });
});
