import type { WebhookNotifierOptions } from '../../src/notifier/options.js';
import type { NotifierEvents } from '../../src/notifier/types.js';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { Storage } from '../../src/storage/types.js';
import { FakeClock, flushPromises } from '../../src/testing/fake-clock.js';
import { type MockReply, type MockResponder, MockTransport } from '../../src/testing/mock-transport.js';
import { HttpTransport } from '../../src/transport/http.js';
import type { Cleanups } from './test-lifecycle.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data: Record<string, unknown> | undefined;
}

const EVENT_NAMES: Array<keyof NotifierEvents> = [
  'delivery.succeeded',
  'delivery.retrying',
  'delivery.failed',
  'endpoint.disabled',
  'error',
];

/**
 * A WebhookNotifier on a FakeClock, MemoryStorage and MockTransport with no retry jitter, its events and
 * logger output captured. Not started: call `notifier.start()`.
 */
export function createNotifierHarness(
  options: WebhookNotifierOptions & { script?: MockReply[] | MockResponder; start?: string } = {},
) {
  const { script, start, ...rest } = options;
  const clock =
    rest.clock instanceof FakeClock ? rest.clock : new FakeClock(start ?? '2026-01-01T00:00:00.000Z');
  const transport = rest.transport ?? new MockTransport(script ?? [], { clock });
  const storage: Storage = rest.storage ?? new MemoryStorage();
  const logs: LogLine[] = [];
  const logger = {
    debug: (message: string, data?: Record<string, unknown>) =>
      void logs.push({ level: 'debug', message, data }),
    info: (message: string, data?: Record<string, unknown>) =>
      void logs.push({ level: 'info', message, data }),
    warn: (message: string, data?: Record<string, unknown>) =>
      void logs.push({ level: 'warn', message, data }),
    error: (message: string, data?: Record<string, unknown>) =>
      void logs.push({ level: 'error', message, data }),
  };
  const notifier = new WebhookNotifier({ retryJitter: 0, logger, ...rest, clock, transport, storage });
  const events: Array<NotifierEvents[keyof NotifierEvents]> = [];
  for (const name of EVENT_NAMES) notifier.on(name, (e) => void events.push(e));
  const of = <K extends keyof NotifierEvents>(type: K) =>
    events.filter((e): e is NotifierEvents[K] => e.type === type);
  return {
    notifier,
    clock,
    transport: transport as MockTransport,
    storage,
    logs,
    events,
    of,
    /** Lets the dispatcher's storage calls and sends settle without moving time. */
    settle: () => flushPromises(10),
  };
}

/**
 * {@link createNotifierHarness} over real HTTP: an HttpTransport (`transport` when given), loopback allowed,
 * the FakeClock started at the real time (a receiver checks a webhook's timestamp against its own clock). The
 * notifier is stopped and the transport closed after the test (`cleanups`).
 */
export function createHttpNotifierHarness(
  cleanups: Cleanups,
  options: Parameters<typeof createNotifierHarness>[0] = {},
  transport: HttpTransport = new HttpTransport(),
) {
  const clock = new FakeClock(Date.now());
  const h = createNotifierHarness({ allowPrivateNetworks: true, ...options, clock, transport });
  cleanups.push(async () => {
    await h.notifier.stop({ timeoutMs: 100 });
    await transport.close();
  });
  return h;
}

/** Everything the harness captured that a user could see, as one string, to search for leaked secrets. */
export function visibleText(...values: unknown[]): string {
  return values
    .map((v) =>
      JSON.stringify(v, (_key, value: unknown) =>
        value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value,
      ),
    )
    .join('\n');
}

/**
 * Counts requests in flight per origin, and the peak of each, by wrapping `transport.send`: with `delayMs` on a
 * FakeClock each request stays open until the clock passes it.
 */
export function trackInFlight(transport: MockTransport) {
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const send = transport.send.bind(transport);
  transport.send = async (request, options) => {
    const key = new URL(request.url).origin;
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    peak.set(key, Math.max(peak.get(key) ?? 0, inFlight.get(key)!));
    try {
      return await send(request, options);
    } finally {
      inFlight.set(key, inFlight.get(key)! - 1);
    }
  };
  return { inFlight, peak };
}
