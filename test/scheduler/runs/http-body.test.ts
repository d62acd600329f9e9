import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { HttpTarget } from '../../../src/scheduler/types.js';
import { HttpTransport } from '../../../src/transport/http.js';

// A job's body always goes with a content type, over real HTTP to a receiver that parses bodies the way
// Express apps do: JSON with express.json(), text with express.text(). A body without a content type is
// ignored by both (req.body stays undefined), which is how a string body used to arrive.

interface Received {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

const received: Received[] = [];
let base = '';
let close: () => Promise<void>;

beforeAll(async () => {
  const app = express();
  app.use(express.json(), express.text());
  app.post('/{*path}', (req, res) => {
    received.push({ path: req.path, contentType: req.headers['content-type'], body: req.body });
    res.sendStatus(204);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => close());

async function send(id: string, target: Omit<HttpTarget, 'url'>): Promise<Received> {
  const transport = new HttpTransport();
  const scheduler = new Scheduler({ transport });
  await scheduler.addJob({ id, schedule: '@yearly', target: { url: `${base}/${id}`, ...target } });
  const run = await scheduler.triggerJob(id);
  expect(run.status).toBe('succeeded');
  await scheduler.stop();
  await transport.close();
  return received.find((r) => r.path === `/${id}`)!;
}

describe('HTTP job bodies', () => {
  it('an object body is JSON, parsed by express.json()', async () => {
    expect(await send('object', { body: { full: true } })).toEqual({
      path: '/object',
      contentType: 'application/json',
      body: { full: true },
    });
  });

  it('a string body is plain UTF-8 text by default, parsed by express.text()', async () => {
    expect(await send('text', { body: 'héllo' })).toEqual({
      path: '/text',
      contentType: 'text/plain; charset=utf-8',
      body: 'héllo',
    });
  });

  it("a content-type of the job's own headers wins, whatever its case", async () => {
    const sent = await send('own', {
      body: '{"full":true}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(sent).toEqual({ path: '/own', contentType: 'application/json', body: { full: true } });
  });

  it('no body, no content type', async () => {
    const sent = await send('empty', { method: 'POST' });
    expect(sent.contentType).toBeUndefined();
  });
});
