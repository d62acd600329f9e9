import { SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it, vi } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { createNotifierHarness } from '../helpers/notifier.js';
import { createTestTelemetry } from '../helpers/otel.js';
import { useCleanups } from '../helpers/test-lifecycle.js';

// An automatic attempt whose delivery was deleted with its removed endpoint while under way ends with a debug
// log line and no `error` event (test/notifier/delivery/removed-endpoint.test.ts). Its `send` span says so too:
// the removal was asked for, so the span is no error; `cronhook.delivery.outcome` is `dropped`.

const cleanups = useCleanups();
const URL = 'https://a.example.com/hooks';
const DROPPED = 'cronhook: webhook delivery dropped with its removed endpoint';

/**
 * A traced notifier with one slot, its log lines noting the active span. Its endpoint answers a first message
 * at once (it is then prompt, so deliveries are claimed ahead for it), then `messages` are published: the
 * first one's request is answered after 1 s of fake time, the others wait, claimed ahead.
 */
async function setUp(messages: number, storage = new MemoryStorage()) {
  const otel = createTestTelemetry();
  const logs: Array<{ message: string; spanId: string | undefined }> = [];
  const log = (message: string) =>
    void logs.push({ message, spanId: trace.getActiveSpan()?.spanContext().spanId });
  const h = createNotifierHarness({
    storage,
    script: [{ status: 200 }, { status: 200, delayMs: 1_000 }],
    telemetry: otel.options,
    concurrency: 1,
    prefetch: 4,
    logger: { debug: log, info: log, warn: log, error: log },
  });
  cleanups.push(
    () => otel.shutdown(),
    () => h.notifier.stop({ timeoutMs: 0 }),
  );
  const endpoint = (await h.notifier.addEndpoint({ url: URL })).endpoint;
  await h.notifier.start();
  await h.notifier.publish('warm.up', {});
  await vi.waitFor(() => expect(h.of('delivery.succeeded')).toHaveLength(1));
  for (let i = 0; i < messages; i++) await h.notifier.publish('x.y', { i });
  await h.settle();
  expect(h.transport.requests).toHaveLength(2);
  const leased = await h.storage.listDeliveries({ topic: 'x.y', limit: 10 });
  expect(leased.filter((d) => d.lockedBy !== null)).toHaveLength(messages);
  return { otel, h, endpoint, logs };
}

describe('the send span of an attempt whose delivery was removed with its endpoint', () => {
  it('is not an error, in flight or claimed ahead: outcome dropped, no error code; its debug line logged inside it', async () => {
    const { otel, h, endpoint, logs } = await setUp(3);
    await h.notifier.removeEndpoint(endpoint.id);
    await h.clock.advance(1_000);
    // The one in flight is answered, then the two claimed ahead are launched and find no endpoint.
    await vi.waitFor(() => expect(otel.named('send x.y')).toHaveLength(3));
    const sends = otel.named('send x.y');
    for (const send of sends) {
      expect(send.status.code).toBe(SpanStatusCode.UNSET);
      expect(send.attributes['cronhook.delivery.outcome']).toBe('dropped');
      expect(send.attributes['cronhook.error.code']).toBeUndefined();
      expect(send.attributes['error.type']).toBeUndefined();
    }
    expect(h.of('error')).toEqual([]);
    const dropped = logs.filter((l) => l.message === DROPPED);
    expect(dropped.map((l) => l.spanId).sort()).toEqual(sends.map((s) => s.spanContext().spanId).sort());
  });

  it('is still an error when the delivery is gone but its endpoint is not', async () => {
    const storage = new MemoryStorage();
    const { otel, h } = await setUp(1, storage);
    vi.spyOn(storage, 'completeAttempt').mockRejectedValue(
      new CronhookError('ERR_DELIVERY_NOT_FOUND', 'No delivery with this id'),
    );
    await h.clock.advance(1_000);
    await vi.waitFor(() => expect(otel.named('send x.y')).toHaveLength(1));
    const send = otel.one('send x.y');
    expect(send.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ERR_DELIVERY_NOT_FOUND' });
    expect(send.attributes['error.type']).toBe('ERR_DELIVERY_NOT_FOUND');
    expect(send.attributes['cronhook.delivery.outcome']).toBeUndefined();
    expect(h.of('error').map((e) => (e.error as CronhookError).code)).toEqual(['ERR_DELIVERY_NOT_FOUND']);
  });
});
