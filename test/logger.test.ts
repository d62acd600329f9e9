import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebhookNotifier } from '../src/notifier/webhook-notifier.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { MemoryStorage } from '../src/storage/memory/index.js';
import { FakeClock } from '../src/testing/fake-clock.js';
import { MockTransport } from '../src/testing/mock-transport.js';

// `logger: console` prints one line per event: a message and key=value fields, as a string, where console
// would print a data object over a dozen lines.

afterEach(() => vi.restoreAllMocks());

function captured(level: 'warn' | 'error' | 'debug'): unknown[][] {
  const calls: unknown[][] = [];
  vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void calls.push(args));
  return calls;
}

describe('logger: console', () => {
  it('prints a failed webhook attempt as one line', async () => {
    const warnings = captured('warn');
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const notifier = new WebhookNotifier({
      clock,
      transport: new MockTransport([{ status: 503 }]),
      logger: console,
    });
    const { endpoint } = await notifier.addEndpoint({ url: 'https://hooks.example/cron', topics: ['*'] });
    await notifier.ping(endpoint.id);
    expect(warnings).toHaveLength(1);
    const [args] = warnings;
    expect(args).toHaveLength(1);
    const line = args![0] as string;
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^cronhook: webhook attempt failed \(failed\) deliveryId=dlv_\S+ .*statusCode=503 /);
    expect(line).toContain(`endpointId=${endpoint.id}`);
  });

  it('prints a scheduler error as one line, its message quoted', async () => {
    const errors = captured('error');
    const storage = new MemoryStorage();
    const scheduler = new Scheduler({ storage, clock: new FakeClock(), logger: console });
    vi.spyOn(storage, 'claimDueJobs').mockRejectedValue(new Error('disk\nfull'));
    await scheduler.start();
    await scheduler.stop();
    expect(errors.length).toBeGreaterThan(0);
    for (const args of errors) {
      expect(args).toHaveLength(1);
      expect(args[0]).not.toContain('\n');
    }
    expect(errors[0]![0]).toBe('cronhook scheduler error code=ERR_STORAGE message="disk\\nfull"');
  });

  it('leaves any other logger its structured data', async () => {
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger = {
      warn: (message: string, data?: Record<string, unknown>) => void lines.push([message, data]),
    };
    const notifier = new WebhookNotifier({
      clock: new FakeClock(),
      transport: new MockTransport([{ status: 503 }]),
      logger,
    });
    const { endpoint } = await notifier.addEndpoint({ url: 'https://hooks.example/cron', topics: ['*'] });
    await notifier.ping(endpoint.id);
    expect(lines[0]?.[1]).toMatchObject({ endpointId: endpoint.id, statusCode: 503 });
  });
});
