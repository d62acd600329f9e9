import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { DEFAULT_RETRY_SCHEDULE, validateNotifierOptions } from '../../src/notifier/options.js';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { MockTransport } from '../../src/testing/mock-transport.js';

function rejected(options: Record<string, unknown>): CronhookError {
  try {
    new WebhookNotifier({ transport: new MockTransport(), ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(CronhookError);
    expect((error as CronhookError).code).toBe('ERR_INVALID_OPTION');
    return error as CronhookError;
  }
  throw new Error('expected the constructor to throw');
}

describe('WebhookNotifier options', () => {
  it('applies the documented defaults', () => {
    const o = validateNotifierOptions({});
    expect(o).toMatchObject({
      retrySchedule: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      retryJitter: 0.2,
      attemptTimeoutMs: 15_000,
      concurrency: 10,
      perEndpointConcurrency: 4,
      slowAttemptMs: 5_000,
      signatureHeaders: 'standard',
      allowPrivateNetworks: false,
      allow: [],
      disableAfterMs: 5 * 86_400_000,
      deliveryRetentionMs: 7 * 86_400_000,
      maxRetryAfterMs: 3_600_000,
      leaseMs: 60_000,
      pollIntervalMs: 1_000,
    });
    expect(o.retrySchedule).toEqual(DEFAULT_RETRY_SCHEDULE);
    expect(o.instanceId).toMatch(/^notifier_/);
  });

  it('slowAttemptMs defaults to a third of attemptTimeoutMs', () => {
    expect(validateNotifierOptions({ attemptTimeoutMs: 30_000 }).slowAttemptMs).toBe(10_000);
    expect(validateNotifierOptions({ attemptTimeoutMs: 2 }).slowAttemptMs).toBe(1);
    expect(validateNotifierOptions({ attemptTimeoutMs: 30_000, slowAttemptMs: 2_000 }).slowAttemptMs).toBe(
      2_000,
    );
  });

  it('accepts durations as strings in retrySchedule', () => {
    expect(validateNotifierOptions({ retrySchedule: ['5s', 1000, '2h'] }).retrySchedule).toEqual([
      5_000, 1_000, 7_200_000,
    ]);
  });

  it.each([
    [{ concurrency: 0 }, 'concurrency'],
    [{ concurrency: 1.5 }, 'concurrency'],
    [{ perEndpointConcurrency: '4' }, 'perEndpointConcurrency'],
    [{ attemptTimeoutMs: -1 }, 'attemptTimeoutMs'],
    [{ slowAttemptMs: 0 }, 'slowAttemptMs'],
    [{ slowAttemptMs: 20_000, attemptTimeoutMs: 15_000 }, 'slowAttemptMs'],
    [{ retrySchedule: ['5 minutes'] }, 'retrySchedule[0]'],
    [{ retrySchedule: 'often' }, 'retrySchedule'],
    [{ retryJitter: 2 }, 'retryJitter'],
    [{ signatureHeaders: 'github' }, 'signatureHeaders'],
    [{ allowPrivateNetworks: 'yes' }, 'allowPrivateNetworks'],
    [{ allow: [''] }, 'allow'],
    [{ allow: ['10.0.0.0/33'] }, 'allow[0]'],
    [{ allow: ['billing.internal', 'fd00::/129'] }, 'allow[1]'],
    [{ allow: ['*.10.0.0.1'] }, 'allow[0]'],
    [{ disableAfterMs: -5 }, 'disableAfterMs'],
    [{ deliveryRetentionMs: -1 }, 'deliveryRetentionMs'],
    [{ deliveryRetentionMs: '7d' }, 'deliveryRetentionMs'],
    [{ maxRetryAfterMs: Number.NaN }, 'maxRetryAfterMs'],
    [{ leaseMs: 10_000, attemptTimeoutMs: 15_000 }, 'leaseMs'],
    [{ pollIntervalMs: 0 }, 'pollIntervalMs'],
    [{ instanceId: '' }, 'instanceId'],
    [{ scheduler: {} }, 'scheduler'],
    [{ storage: {} }, 'storage'],
    [{ transport: { post() {} } }, 'transport'],
    [{ clock: { now: () => 0 } }, 'clock'],
  ])('rejects %o naming the field', (options, field) => {
    const error = rejected(options);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
    expect(error.message).toMatch(/expected/);
  });
});
