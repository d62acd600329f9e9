import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ErrorInfo } from '../../src/errors.js';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { FakeClock, flushPromises } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';
import {
  type VerifyWebhookInput,
  verifyWebhook,
  type WebhookEvent,
  type WebhookEventOf,
} from '../../src/verify/index.js';

// `cronhook/verify` declares the bodies cronhook sends, one type per topic. Here every topic is sent for real
// (scheduler → notifier → transport), verified, and held to its declared shape; the declared types are
// checked by the compiler (`npm run typecheck` runs over this file).

const HOOK = 'https://hooks.example/cron';

/** Every webhook body a scheduler and notifier send for a run that succeeds, one that fails, a catch-up
 * with missed occurrences, and a ping; verified as a receiver verifies them. */
async function sendEveryTopic(): Promise<WebhookEvent[]> {
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const transport = new MockTransport();
  const storage = new MemoryStorage();
  const scheduler = new Scheduler({ storage, clock, transport, missedEvents: 'summary' });
  scheduler.handle('ok', () => ({ done: true }));
  scheduler.handle('broken', () => {
    throw new Error('disk full');
  });
  const notifier = new WebhookNotifier({ scheduler, storage, transport });
  const { endpoint, secret } = await notifier.addEndpoint({ url: HOOK, topics: ['*'] });
  await scheduler.addJob({ id: 'ok', schedule: '0 * * * *', target: { handler: 'ok' } });
  await scheduler.addJob({ id: 'broken', schedule: '0 * * * *', target: { handler: 'broken' } });
  await clock.set(Date.parse('2026-01-01T03:00:30Z')); // down for three hours: a catch-up with 2 missed each
  await notifier.start();
  await scheduler.start();
  await clock.advance('1s');
  await notifier.ping(endpoint.id);
  await flushPromises(5);
  await scheduler.stop();
  await notifier.stop();
  return transport.requestsTo(HOOK).map((request) => {
    const input: VerifyWebhookInput = {
      payload: request.body!,
      headers: request.headers,
      secret,
      now: clock.date(),
    };
    return verifyWebhook<WebhookEvent>(input);
  });
}

const JOB_KEYS = ['id', 'metadata', 'name', 'schedule', 'target', 'timezone'];
const RUN_KEYS = [
  'attempts',
  'durationMs',
  'error',
  'finishedAt',
  'id',
  'scheduledAt',
  'startedAt',
  'status',
  'statusCode',
  'trigger',
];

describe('the bodies cronhook sends', () => {
  it('match WebhookEvent, topic by topic, on real webhooks', async () => {
    const events = await sendEveryTopic();
    const byType = new Map<string, WebhookEvent[]>();
    for (const event of events) byType.set(event.type, [...(byType.get(event.type) ?? []), event]);
    expect([...byType.keys()].sort()).toEqual([
      'job.execution.failed',
      'job.execution.missed',
      'job.execution.started',
      'job.execution.succeeded',
      'webhook.ping',
    ]);
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual(['data', 'timestamp', 'type']);
      expect(new Date(event.timestamp).toISOString()).toBe(event.timestamp);
      switch (event.type) {
        case 'webhook.ping':
          expect(Object.keys(event.data)).toEqual(['endpointId']);
          break;
        case 'job.execution.missed':
          expect(Object.keys(event.data).sort()).toEqual(['job', 'missed', 'run']);
          expect(event.data.missed).toEqual({
            count: 2,
            first: '2026-01-01T01:00:00.000Z',
            last: '2026-01-01T02:00:00.000Z',
          });
          expect(event.data.run.status).toBe('missed');
          expect(event.data.run.scheduledAt).toBe(event.data.missed.last);
          break;
        default: {
          expect(Object.keys(event.data).sort()).toEqual(['job', 'run']);
          const status = { 'job.execution.started': 'running', 'job.execution.succeeded': 'succeeded' };
          expect(event.data.run.status).toBe(
            event.type === 'job.execution.failed' ? 'failed' : status[event.type],
          );
          if (event.type === 'job.execution.failed') {
            expect(event.data.run.error).toEqual({ code: 'ERR_HANDLER_FAILED', message: 'disk full' });
          }
        }
      }
      if (event.type !== 'webhook.ping') {
        expect(Object.keys(event.data.job).sort()).toEqual(JOB_KEYS);
        expect(Object.keys(event.data.run).sort()).toEqual(RUN_KEYS);
      }
    }
  });

  it('are typed: verifyWebhook returns unknown unless the caller names a type, and narrows on `type`', () => {
    const input = {} as VerifyWebhookInput;
    const call = () => verifyWebhook(input);
    expectTypeOf(call).returns.toBeUnknown();
    const typed = () => verifyWebhook<WebhookEvent>(input);
    expectTypeOf(typed).returns.toEqualTypeOf<WebhookEvent>();

    type Failed = WebhookEventOf<'job.execution.failed'>;
    expectTypeOf<Failed['data']['run']['error']>().toEqualTypeOf<ErrorInfo>();
    expectTypeOf<Failed['data']['run']['status']>().toEqualTypeOf<'failed'>();
    type Missed = WebhookEventOf<'job.execution.missed'>;
    expectTypeOf<Missed['data']['missed']>().toEqualTypeOf<{ count: number; first: string; last: string }>();
    expectTypeOf<WebhookEventOf<'webhook.ping'>['data']>().toEqualTypeOf<{ endpointId: string }>();
    expectTypeOf<WebhookEvent['type']>().toEqualTypeOf<
      | 'job.execution.started'
      | 'job.execution.succeeded'
      | 'job.execution.failed'
      | 'job.execution.missed'
      | 'webhook.ping'
    >();
    // Narrowing on `type` gives the topic's data.
    const narrow = (event: WebhookEvent) => {
      if (event.type === 'job.execution.missed') expectTypeOf(event.data.missed.count).toBeNumber();
      if (event.type === 'webhook.ping') expectTypeOf(event.data).not.toHaveProperty('run');
    };
    expect(typeof narrow).toBe('function');
  });
});
