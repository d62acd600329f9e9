/** The Express receiver, fed by a real WebhookNotifier over loopback HTTP. */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStorage, Scheduler, WebhookNotifier } from 'cronhook';
import { signWebhook, type WebhookEvent } from 'cronhook/verify';
import { afterEach, describe, expect, it } from 'vitest';
import { createReceiverApp } from './app.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup() {
  const received: Array<{ id: string; event: WebhookEvent }> = [];
  const storage = new MemoryStorage();
  const scheduler = new Scheduler({ storage });
  const notifier = new WebhookNotifier({ scheduler, storage, allowPrivateNetworks: true });
  const secrets: string[] = [];
  const app = createReceiverApp({
    secret: secrets,
    onEvent: (event, id) => void received.push({ id, event }),
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/cronhook`;
  const { endpoint, secret } = await notifier.addEndpoint({ url, topics: ['job.*'] });
  secrets.push(secret);
  await notifier.start();
  await scheduler.start();
  cleanup.push(async () => {
    await scheduler.stop();
    await notifier.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  /** The receiver's accepted secrets, changed in place as an app would reload them. */
  const useSecrets = (next: string[]) => secrets.splice(0, secrets.length, ...next);
  return { scheduler, notifier, endpoint, secret, url, received, useSecrets };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the receiver');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function post(url: string, body: string, headers: Record<string, string>) {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('express receiver', () => {
  it('accepts job events signed by the notifier', async () => {
    const { scheduler, received } = await setup();
    scheduler.handle('noop', () => 'done');
    await scheduler.addJob({ id: 'report', schedule: { every: '1h' }, target: { handler: 'noop' } });
    await scheduler.triggerJob('report');
    await waitFor(() => received.length === 2);
    expect(received.map((r) => r.event.type).sort()).toEqual([
      'job.execution.started',
      'job.execution.succeeded',
    ]);
    const succeeded = received.find((r) => r.event.type === 'job.execution.succeeded');
    expect(succeeded?.event.data).toMatchObject({ job: { id: 'report' }, run: { status: 'succeeded' } });
  });

  it('rejects a body that differs by a byte from what was signed, re-serialized JSON included', async () => {
    const { url, secret, received } = await setup();
    const signed = '{"type": "job.execution.failed", "data": {}}';
    const headers = {
      'webhook-id': 'msg_test',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': signWebhook({ id: 'msg_test', timestamp: new Date(), payload: signed, secret }),
    };
    const reserialized = JSON.stringify(JSON.parse(signed)); // what express.json() + JSON.stringify would see
    const rejected = await post(url, reserialized, headers);
    expect(rejected.status).toBe(401);
    expect(await rejected.json()).toEqual({ error: 'ERR_INVALID_SIGNATURE' });
    expect(received).toEqual([]);

    const accepted = await post(url, signed, headers);
    expect(accepted.status).toBe(204);
    expect(received.map((r) => r.id)).toEqual(['msg_test']);
  });

  it('processes a redelivered message once (same webhook-id)', async () => {
    const { notifier, endpoint, received } = await setup();
    const attempt = await notifier.ping(endpoint.id);
    expect(attempt.statusCode).toBe(204);
    const again = await notifier.redeliver(attempt.deliveryId);
    expect(again.statusCode).toBe(200);
    expect(received).toHaveLength(1);
  });

  it('keeps verifying across a secret rotation when the receiver switches to the new secret', async () => {
    const { notifier, endpoint, received, useSecrets } = await setup();
    const { secret: next } = await notifier.rotateSecret(endpoint.id, { graceMs: 60_000 });
    useSecrets([next]);
    expect((await notifier.ping(endpoint.id)).statusCode).toBe(204);
    expect(received).toHaveLength(1);
  });
});
