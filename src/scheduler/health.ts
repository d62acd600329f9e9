import { type Clock, sleep } from '../clock.js';
import { toErrorInfo } from '../errors.js';
import type { Storage } from '../storage/types.js';

/** What {@link Scheduler.health} reports: the answer to a readiness probe, with the reasons. */
export interface SchedulerHealth {
  /** Started, not stopping, its storage answering and its claim loop on time. */
  ready: boolean;
  state: 'idle' | 'starting' | 'started' | 'stopping' | 'stopped';
  storage: { ok: boolean; error: string | null };
  claimLoop: ClaimLoopHealth;
}

/** How the claim loop is doing. */
export interface ClaimLoopHealth {
  /** Its last pass ran without a storage error and it is not overdue. */
  ok: boolean;
  /** When its last pass finished; null before the first. */
  lastTickAt: Date | null;
  /** How late it is: a pass running, or a wake-up due, this long ago (0 when on time). */
  overdueMs: number;
  /** The error code of its last pass, when that failed. */
  error: string | null;
}

/** How long the storage may take to answer the probe's query. */
export const STORAGE_PROBE_MS = 5_000;

/**
 * Checks a scheduler's readiness: its state, a light storage query (`nextDueAt`, answered from an index)
 * within {@link STORAGE_PROBE_MS}, and its claim loop, which is behind once a pass or a wake-up is late by
 * `leaseMs` (the claims it holds would then expire and go to other instances).
 */
export async function checkHealth(input: {
  state: SchedulerHealth['state'];
  storage: Storage;
  clock: Clock;
  leaseMs: number;
  loop: (now: number) => Omit<ClaimLoopHealth, 'ok'>;
}): Promise<SchedulerHealth> {
  const storage = await probeStorage(input.storage, input.clock);
  const loop = input.loop(input.clock.now());
  const claimLoop = { ok: loop.error === null && loop.overdueMs < input.leaseMs, ...loop };
  const ready = input.state === 'started' && storage.ok && claimLoop.ok;
  return { ready, state: input.state, storage, claimLoop };
}

async function probeStorage(storage: Storage, clock: Clock): Promise<SchedulerHealth['storage']> {
  const giveUp = new AbortController();
  try {
    const answered = await Promise.race([
      storage.nextDueAt().then(() => true),
      sleep(clock, STORAGE_PROBE_MS, giveUp.signal).then(() => false),
    ]);
    return answered ? { ok: true, error: null } : { ok: false, error: 'ERR_TIMEOUT' };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error, 'ERR_STORAGE').code };
  } finally {
    giveUp.abort();
  }
}
