import { describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { GaugeStats } from '../../src/telemetry/storage-gauges.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';
import { createTestTelemetry } from '../helpers/otel.js';
import { useCleanups } from '../helpers/test-lifecycle.js';

const cleanups = useCleanups();

const STATS: GaugeStats = {
  jobs: { failing: 2 },
  endpoints: { disabled: { manual: 1, gone: 0, failing: 3 } },
  deliveries: { pending: 42, oldestPendingAt: new Date('2026-01-01T00:00:00Z') },
};

async function setUp(stats: (input: { now: Date }) => Promise<GaugeStats>) {
  const otel = createTestTelemetry();
  const clock = new FakeClock('2026-01-01T00:05:00Z');
  const storage = Object.assign(new MemoryStorage(), { stats });
  const transport = new MockTransport([], { clock });
  const scheduler = new Scheduler({ storage, clock, transport, telemetry: otel.options });
  const notifier = new WebhookNotifier({ scheduler, storage, clock, transport, telemetry: otel.options });
  await scheduler.start();
  await notifier.start();
  cleanups.push(
    () => otel.shutdown(),
    () => scheduler.stop({ timeoutMs: 0 }),
    () => notifier.stop({ timeoutMs: 0 }),
  );
  return { otel, scheduler, notifier, clock };
}

const value = async (otel: ReturnType<typeof createTestTelemetry>, name: string, match = {}) =>
  (await otel.points(name, match)).map((p) => p.value);

describe('gauges from storage counts', () => {
  it("read the storage's stats() once per collection, for the scheduler's and the notifier's gauges", async () => {
    const nows: Date[] = [];
    const { otel } = await setUp(async (input) => {
      nows.push(input.now);
      return STATS;
    });
    expect(await value(otel, 'cronhook.jobs.failing')).toEqual([2]);
    expect(await value(otel, 'cronhook.outbox.depth')).toEqual([42]);
    expect(await value(otel, 'cronhook.outbox.oldest_age')).toEqual([300]);
    const disabled = await otel.points('cronhook.endpoints.disabled');
    expect(
      Object.fromEntries(disabled.map((p) => [p.attributes['cronhook.endpoint.disabled_reason'], p.value])),
    ).toEqual({ manual: 1, gone: 0, failing: 3 });
    // Four collections above: one count each, shared by the scheduler's and the notifier's gauges.
    expect(nows).toHaveLength(4);
    expect(nows[0]?.toISOString()).toBe('2026-01-01T00:05:00.000Z');
  });

  it('observe nothing when the count fails (a gap, not a zero), and age 0 when nothing is pending', async () => {
    let fail = true;
    const { otel } = await setUp(async () => {
      if (fail) throw new Error('storage down');
      return { ...STATS, deliveries: { pending: 0, oldestPendingAt: null } };
    });
    expect(await otel.points('cronhook.outbox.depth')).toEqual([]);
    fail = false;
    expect(await value(otel, 'cronhook.outbox.depth')).toEqual([0]);
    expect(await value(otel, 'cronhook.outbox.oldest_age')).toEqual([0]);
  });

  it('stop observing when the scheduler and notifier stop', async () => {
    let calls = 0;
    const { otel, scheduler, notifier } = await setUp(async () => {
      calls++;
      return STATS;
    });
    await otel.metrics();
    await scheduler.stop();
    await notifier.stop();
    const before = calls;
    await otel.metrics();
    expect(calls).toBe(before);
  });

  it('are simply absent for a storage without stats()', async () => {
    const otel = createTestTelemetry();
    // MemoryStorage has stats(); a custom adapter may not.
    const storage = new MemoryStorage();
    Object.defineProperty(storage, 'stats', { value: undefined });
    const scheduler = new Scheduler({ storage, telemetry: otel.options });
    cleanups.push(
      () => otel.shutdown(),
      () => scheduler.stop({ timeoutMs: 0 }),
    );
    await scheduler.start();
    expect(await otel.points('cronhook.jobs.failing')).toEqual([]);
  });
});
