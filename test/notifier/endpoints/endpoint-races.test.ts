import { expect, it } from 'vitest';
import { attemptOutcome } from '../../../src/notifier/delivery/attempt/attempt-outcome.js';
import type { EndpointRecord } from '../../../src/notifier/types.js';
import type { WebhookNotifier } from '../../../src/notifier/webhook-notifier.js';
import type { Storage } from '../../../src/storage/types.js';
import { attempt, delivery, message } from '../../../src/testing/storage-suite/fixtures.js';
import { describeEachStorage } from '../../helpers/each-storage.js';
import { createNotifierHarness } from '../../helpers/notifier.js';

const POLICY = {
  retrySchedule: [60_000],
  retryJitter: 0,
  maxRetryAfterMs: 3_600_000,
  disableAfterMs: 86_400_000,
};

/**
 * `storage` whose `getEndpoint` runs `between()` once its read is done, as long as `between` is set: what
 * happens between an endpoint change's read and its write, made to happen there every time instead of by
 * chance.
 */
function interleaved(storage: Storage, hooks: { between?: () => Promise<void> }): Storage {
  return new Proxy(storage, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const bound = value.bind(target);
      if (key !== 'getEndpoint') return bound;
      return async (id: string) => {
        const read = await bound(id);
        await hooks.between?.();
        return read;
      };
    },
  });
}

/**
 * The changes of endpoint 'ep' on a clock that stands still (every write in the same millisecond), each with
 * another write landing between its read and its write: a delivery attempt's outcome, as the notifier of any
 * instance records it (failing streak, auto-disable), or another instance's change.
 */
function raceTests(open: () => Promise<Storage>): void {
  async function setup() {
    const storage = await open();
    await storage.migrate();
    const hooks: { between?: () => Promise<void> } = {};
    const harness = createNotifierHarness({ storage: interleaved(storage, hooks) });
    const { clock, notifier } = harness;
    await notifier.addEndpoint({ id: 'ep', url: 'https://hooks.example.com/in', description: 'first' });
    await storage.insertMessage({
      message: message('m-1'),
      deliveries: [delivery('d-1', 'm-1', 'ep', { nextAttemptAt: new Date(clock.now()) })],
    });
    const [leased] = await storage.claimDeliveries({
      now: new Date(clock.now()),
      limit: 1,
      instanceId: 'other',
      leaseMs: 60_000,
    });
    expect(leased?.id).toBe('d-1');
    /**
     * Another instance's attempt answered with `status`, recorded as its notifier records it, from `read`: the
     * endpoint as its attempt read it (as stored now when not given).
     */
    const attemptAnswered = async (status: number, read?: EndpointRecord) => {
      const endpoint = read ?? (await storage.getEndpoint('ep'));
      const made = attempt('a-1', 'd-1', { startedAt: new Date(clock.now()) });
      const response = { status, headers: {}, body: '', bodyTruncated: false, durationMs: 1 };
      await storage.completeAttempt(
        attemptOutcome({ delivery: leased!, endpoint, attempt: made, response, now: clock.now() }, POLICY),
      );
    };
    /** Runs `write` once, between the next read and its write. */
    const once = (write: () => Promise<void>) => {
      hooks.between = async () => {
        hooks.between = undefined;
        await write();
      };
    };
    return { ...harness, storage, hooks, attemptAnswered, once };
  }

  it('updateEndpoint keeps the failing streak an attempt started between its read and its write', async () => {
    const { notifier, storage, clock, attemptAnswered, once } = await setup();
    once(() => attemptAnswered(500));
    const updated = await notifier.updateEndpoint('ep', { description: 'second' });
    expect(updated).toMatchObject({ description: 'second', failingSince: new Date(clock.now()) });
    expect(await storage.getEndpoint('ep')).toMatchObject({
      description: 'second',
      enabled: true,
      failingSince: new Date(clock.now()),
    });
  });

  it('updateEndpoint keeps the auto-disable (410 Gone) of an attempt between its read and its write', async () => {
    const { notifier, storage, attemptAnswered, once } = await setup();
    once(() => attemptAnswered(410));
    await notifier.updateEndpoint('ep', { topics: ['job.*'] });
    expect(await storage.getEndpoint('ep')).toMatchObject({
      topics: ['job.*'],
      enabled: false,
      disabledReason: 'gone',
    });
  });

  it('updateEndpoint keeps the auto-disable of an attempt that read the endpoint before another change of the same millisecond', async () => {
    const { notifier, storage, attemptAnswered, once } = await setup();
    // The attempt is made with the endpoint as it is now; meanwhile another change is written (stamped 1 ms
    // past the endpoint it read, the clock standing still), and a third change reads what that one wrote.
    const copy = (await storage.getEndpoint('ep'))!;
    await notifier.updateEndpoint('ep', { description: 'second' });
    // The attempt's answer (410 Gone) comes between that read and its write, stamped from the older copy.
    once(() => attemptAnswered(410, copy));
    await notifier.updateEndpoint('ep', { topics: ['job.*'] });
    expect(await storage.getEndpoint('ep')).toMatchObject({
      description: 'second',
      topics: ['job.*'],
      enabled: false,
      disabledReason: 'gone',
    });
  });

  it('disabling by hand keeps the failing streak an attempt started between its read and its write', async () => {
    const { notifier, storage, clock, attemptAnswered, once } = await setup();
    once(() => attemptAnswered(503));
    await notifier.updateEndpoint('ep', { enabled: false });
    expect(await storage.getEndpoint('ep')).toMatchObject({
      enabled: false,
      disabledReason: 'manual',
      failingSince: new Date(clock.now()),
    });
  });

  it('rotateSecret keeps the failing streak an attempt started between its read and its write', async () => {
    const { notifier, storage, clock, attemptAnswered, once } = await setup();
    const before = (await storage.getEndpoint('ep'))!.secrets;
    once(() => attemptAnswered(500));
    const { secret } = await notifier.rotateSecret('ep', { graceMs: 60_000 });
    const stored = (await storage.getEndpoint('ep'))!;
    expect(stored.failingSince).toEqual(new Date(clock.now()));
    expect(stored.secrets.map((s) => s.secret)).toEqual([before[0]!.secret, secret]);
  });

  it("enableEndpoint keeps another instance's change made between its read and its write", async () => {
    const { notifier, storage, once } = await setup();
    await notifier.updateEndpoint('ep', { enabled: false });
    const other = createNotifierHarness({ storage });
    once(async () => {
      await other.notifier.updateEndpoint('ep', { description: 'by the other instance' });
    });
    await notifier.enableEndpoint('ep');
    expect(await storage.getEndpoint('ep')).toMatchObject({
      description: 'by the other instance',
      enabled: true,
      disabledReason: null,
    });
  });

  it.each([
    ['updateEndpoint', (n: WebhookNotifier) => n.updateEndpoint('ep', { topics: ['job.*'] })],
    [
      'upsertEndpoint',
      (n: WebhookNotifier) =>
        n.upsertEndpoint({ id: 'ep', url: 'https://hooks.example.com/in', topics: ['job.*'] }),
    ],
  ] as const)(
    '%s gives up with ERR_CONCURRENT_CHANGE, writing nothing, when every one of 10 reads is overtaken',
    async (name, change) => {
      const { notifier, storage, hooks } = await setup();
      const other = createNotifierHarness({ storage });
      let writes = 0;
      hooks.between = async () => {
        writes++;
        await other.notifier.updateEndpoint('ep', { description: `other ${writes}` });
      };
      await expect(change(notifier)).rejects.toMatchObject({
        code: 'ERR_CONCURRENT_CHANGE',
        message: expect.stringContaining(`${name}("ep")`),
      });
      hooks.between = undefined;
      expect(writes).toBe(10);
      expect(await storage.getEndpoint('ep')).toMatchObject({ description: 'other 10', topics: ['*'] });
    },
  );
}

describeEachStorage('endpoint changes racing other writes', raceTests);
