/**
 * The crash test, shared by its SQLite and Postgres variants: a publisher process (test/fixtures/
 * webhook-publisher.ts) is killed with SIGKILL at random moments, restarted each time, and finally left to
 * deliver everything. A real node:http receiver here counts what arrives.
 */
import { expect } from 'vitest';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import type { Storage } from '../../src/storage/types.js';
import { verifyWebhook } from '../../src/verify/index.js';
import type { StorageConfig } from '../fixtures/open-storage.js';
import { type FixtureProcess, spawnFixture } from '../helpers/child-process.js';
import { startHttpServer } from '../helpers/http-server.js';

export interface CrashTestOptions {
  /** What the children open. */
  storage: StorageConfig;
  /** Opens the same database in this process (endpoint set-up, final checks). */
  open: () => Storage;
  kills: number;
  /** Messages the last life publishes before it is left to drain. */
  finalCount: number;
  /** Seed of the kill moments and the receiver's answers; printed with every failure. */
  seed: number;
}

export interface CrashTestResult {
  published: Map<string, { life: number; seq: number }>;
  /** 2xx-answered requests per webhook-id. */
  delivered: Map<string, number>;
}

/** mulberry32: a small seeded generator, so a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runCrashTest(options: CrashTestOptions): Promise<CrashTestResult> {
  const random = seededRandom(options.seed);
  const context = `seed ${options.seed}`;
  const delivered = new Map<string, number>();
  const bodies = new Map<string, { life: number; seq: number }>();
  let secret = '';
  const receiver = await startHttpServer(async (req, res, body) => {
    // Answer slowly sometimes and fail now and then, so kills find attempts in flight and retries pending.
    await sleep(Math.floor(random() * 20));
    if (random() < 0.1) {
      res.writeHead(503).end();
      return;
    }
    const event = verifyWebhook<{ data: { life: number; seq: number } }>({
      payload: body,
      headers: req.headers as Record<string, string>,
      secret,
    });
    const id = String(req.headers['webhook-id']);
    bodies.set(id, event.data);
    res.writeHead(200).end();
    delivered.set(id, (delivered.get(id) ?? 0) + 1);
  });
  const children: FixtureProcess[] = [];
  try {
    const setup = options.open();
    const notifier = new WebhookNotifier({ storage: setup, allowPrivateNetworks: true });
    await setup.migrate();
    ({ secret } = await notifier.addEndpoint({ url: receiver.url('/hooks'), topics: ['crash.*'] }));
    await setup.close?.();

    const published = new Map<string, { life: number; seq: number }>();
    const collect = (child: FixtureProcess, life: number) => {
      for (const m of child.messages) {
        if (m.type === 'published') published.set(String(m.id), { life, seq: Number(m.seq) });
      }
    };
    let killsWithWorkInFlight = 0;
    for (let life = 0; life < options.kills; life++) {
      const child = spawnFixture('webhook-publisher.ts', [
        JSON.stringify({ storage: options.storage, life, count: null }),
      ]);
      children.push(child);
      await child.waitFor((m) => m.type === 'ready', 15_000);
      await child.waitFor((m) => m.type === 'published', 5_000);
      await sleep(100 + Math.floor(random() * 600));
      child.kill('SIGKILL');
      const exit = await child.exited;
      expect(exit.signal, `${context}: life ${life} was killed, not exited (${child.stderr()})`).toBe(
        'SIGKILL',
      );
      collect(child, life);
      if ([...published.keys()].some((id) => !delivered.has(id))) killsWithWorkInFlight++;
    }
    // The kills must land while messages are stored but not yet delivered, or they prove nothing.
    expect(killsWithWorkInFlight, `${context}: kills that found undelivered messages`).toBeGreaterThan(0);

    const last = spawnFixture('webhook-publisher.ts', [
      JSON.stringify({ storage: options.storage, life: options.kills, count: options.finalCount }),
    ]);
    children.push(last);
    await last.waitFor((m) => m.type === 'idle', 20_000);
    collect(last, options.kills);
    // Quiescence: every reported message arrived, and nothing is left to send (messages stored just before a
    // kill but never reported included).
    const watcher = options.open();
    try {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(100)) {
        if (![...published.keys()].every((id) => delivered.has(id))) continue;
        if ((await watcher.listDeliveries({ status: 'pending', limit: 1 })).length === 0) break;
      }
    } finally {
      await watcher.close?.();
    }
    last.kill('SIGTERM');
    await last.waitFor((m) => m.type === 'stopped', 10_000);
    await last.exited;

    const missing = [...published.keys()].filter((id) => !delivered.has(id));
    expect(missing, `${context}: published but never delivered (of ${published.size})`).toEqual([]);
    // Each message arrived under the id it was stored with: the body it carries is the one reported for it.
    for (const [id, origin] of published) expect(bodies.get(id), `${context}: body of ${id}`).toEqual(origin);
    const unknown = [...delivered.keys()].filter((id) => !published.has(id));
    // Messages stored just before a kill (not reported yet) are delivered too, with ids of their own.
    for (const id of unknown) expect(id, `${context}: unexpected webhook-id`).toMatch(/^msg_/);
    const errors = children.flatMap((c) => c.messages.filter((m) => m.type === 'error'));
    expect(errors, `${context}: notifier errors`).toEqual([]);

    const check = options.open();
    try {
      const pending = await check.listDeliveries({ status: 'pending', limit: 10 });
      expect(pending, `${context}: deliveries still pending after quiescence`).toEqual([]);
      const failed = await check.listDeliveries({ status: 'failed', limit: 10 });
      expect(failed, `${context}: deliveries that gave up`).toEqual([]);
    } finally {
      await check.close?.();
    }
    return { published, delivered };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await receiver.close();
  }
}
