import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { AdvanceJobInput, RunRecord } from '../../src/storage/types.js';
import { createTestScheduler } from '../helpers/scheduler.js';

/** A store where another instance takes `stolen` over just before this one advances it. */
class StolenJobStorage extends MemoryStorage {
  constructor(readonly stolen: string) {
    super();
  }
  override advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    if (input.jobId === this.stolen) {
      return Promise.reject(new CronhookError('ERR_LEASE_LOST', `Instance lost ${input.jobId}`));
    }
    return super.advanceJob(input);
  }
}

/** Records, at each claim, how many turns of the event loop have passed since the first one. */
class TurnCountingStorage extends MemoryStorage {
  turns = 0;
  readonly turnsAtClaim: number[] = [];
  override claimDueJobs(...args: Parameters<MemoryStorage['claimDueJobs']>) {
    this.turnsAtClaim.push(this.turns);
    setImmediate(() => this.turns++);
    return super.claimDueJobs(...args);
  }
}

/** Holds every advanceJob until `release()`: a claim stays in progress for as long as the test wants. */
class SlowAdvanceStorage extends MemoryStorage {
  #open = () => {};
  readonly #gate = new Promise<void>((resolve) => {
    this.#open = resolve;
  });
  #signalEntered = () => {};
  /** Settles when the first advanceJob has been called. */
  readonly entered = new Promise<void>((resolve) => {
    this.#signalEntered = resolve;
  });
  readonly writesAfterStop: string[] = [];
  stopped = false;
  release(): void {
    this.#open();
  }
  override async advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    this.#signalEntered();
    await this.#gate;
    if (this.stopped) this.writesAfterStop.push(`advanceJob ${input.jobId}`);
    return super.advanceJob(input);
  }
  override async updateRun(run: RunRecord): Promise<void> {
    if (this.stopped) this.writesAfterStop.push(`updateRun ${run.id}`);
    return super.updateRun(run);
  }
}

describe('claiming due jobs in batches', () => {
  it('stop() waits for a claim in progress: no run of it reaches storage after stop() resolved', async () => {
    const storage = new SlowAdvanceStorage();
    const { scheduler, clock, of } = createTestScheduler({ storage });
    for (let i = 0; i < 5; i++) {
      await scheduler.addJob({
        id: `job-${i}`,
        schedule: '* * * * *',
        target: { url: 'https://a.example/' },
      });
    }
    await scheduler.start();
    void clock.advance('1m');
    await storage.entered;
    let stopped = false;
    const stopping = scheduler.stop({ timeoutMs: 5_000 }).then(() => {
      stopped = true;
      storage.stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    // The claim is held up in advanceJob, so stop() cannot have finished.
    expect(stopped).toBe(false);
    storage.release();
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(storage.writesAfterStop).toEqual([]);
    expect(of('error')).toEqual([]);
    // The claimed occurrences were recorded and released for the next start, not lost.
    const runs = await storage.listRuns({ limit: 10 });
    expect(runs).toHaveLength(5);
    expect(runs.every((r) => r.status === 'queued' && r.lockedUntil?.getTime() === 0)).toBe(true);
  });

  it('stop() does not wait past its timeout for a claim whose storage call hangs', async () => {
    const storage = new SlowAdvanceStorage(); // never released: advanceJob hangs
    const { scheduler, clock } = createTestScheduler({ storage });
    await scheduler.addJob({ id: 'stuck', schedule: '* * * * *', target: { url: 'https://a.example/' } });
    await scheduler.start();
    void clock.advance('1m');
    await storage.entered;
    let stopped = false;
    const stopping = scheduler.stop({ timeoutMs: 1_000 }).then(() => {
      stopped = true;
    });
    await clock.advance(999);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(stopped).toBe(true);
  });

  it('gives the event loop a turn between batches of a burst, so timers and sockets are not starved', async () => {
    const storage = new TurnCountingStorage();
    const { scheduler, clock } = createTestScheduler({ storage });
    for (let i = 0; i < 200; i++) {
      await scheduler.addJob({
        id: `job-${i}`,
        schedule: '* * * * *',
        target: { url: 'https://a.example/' },
      });
    }
    await scheduler.start();
    await clock.advance('1m');
    const burst = storage.turnsAtClaim.slice(-5);
    // 200 due jobs: four full batches and an empty claim, each after a turn of the loop.
    expect(burst).toHaveLength(5);
    for (let i = 1; i < burst.length; i++) expect(burst[i]).toBeGreaterThan(burst[i - 1]!);
    await scheduler.stop();
  });

  it('runs every job of a burst larger than one claim, on time', async () => {
    const { scheduler, clock, storage } = createTestScheduler();
    const ran: string[] = [];
    scheduler.handle('record', ({ job }) => void ran.push(job.id));
    for (let i = 0; i < 120; i++) {
      await scheduler.addJob({ id: `job-${i}`, schedule: '* * * * *', target: { handler: 'record' } });
    }
    await scheduler.start();
    await clock.advance('1m');
    expect(ran).toHaveLength(120);
    expect((await storage.listRuns({ statuses: ['succeeded'], limit: 500 })).length).toBe(120);
    await scheduler.stop();
  });

  it('start() resolves after one batch of a backlog; the timer claims the rest', async () => {
    const { scheduler, clock } = createTestScheduler();
    const ran: string[] = [];
    scheduler.handle('record', ({ job }) => void ran.push(job.id));
    for (let i = 0; i < 120; i++) {
      await scheduler.addJob({
        id: `late-${i}`,
        schedule: { at: '2025-12-31T23:00:00Z' },
        target: { handler: 'record' },
      });
    }
    await scheduler.start();
    const claimedByStart = (await scheduler.listJobs({ limit: 200 })).filter(
      (j) => j.nextRunAt === null,
    ).length;
    expect(claimedByStart).toBe(50);
    await clock.advance(0);
    expect(ran).toHaveLength(120);
    await scheduler.stop();
  });

  it('goes on with the rest of a claim when the lease of one job was lost, reporting it', async () => {
    const storage = new StolenJobStorage('job-a');
    const { scheduler, clock, of } = createTestScheduler({ storage });
    const ran: string[] = [];
    scheduler.handle('record', ({ job }) => void ran.push(job.id));
    for (const id of ['job-a', 'job-b', 'job-c']) {
      await scheduler.addJob({ id, schedule: '* * * * *', target: { handler: 'record' } });
    }
    await scheduler.start();
    await clock.advance('1m');
    // job-a belongs to the instance that took it over; the others ran here without waiting for their leases.
    expect(ran.sort()).toEqual(['job-b', 'job-c']);
    expect(of('error').map((e) => (e.error as CronhookError).code)).toEqual(['ERR_LEASE_LOST']);
    expect(await storage.listRuns({ jobId: 'job-a' })).toEqual([]);
    await scheduler.stop();
  });
});
