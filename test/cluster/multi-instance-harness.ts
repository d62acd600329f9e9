/**
 * The multi-instance test, shared by its Postgres and SQLite variants: three scheduler processes
 * (test/fixtures/scheduler-instance.ts) share one database with `jobs` jobs due every second for `seconds`
 * seconds; one of them is killed with SIGKILL midway while its runs are in flight.
 *
 * What "every occurrence ran exactly once" means with a crash in the middle: every (job, second) of the
 * window has exactly one run keyed by the occurrence (the unique key), and exactly one succeeded run (that
 * one, or the `retry-after-crash` run recorded when the killed instance's run lost its lease). A handler
 * the killed instance finished but could not record (SIGKILL between the two) runs once more on takeover:
 * that is the documented at-least-once window of a crash, so such repeats are allowed only for occurrences
 * whose first run is recorded `failed` with `ERR_LEASE_EXPIRED`. Everything else ran once, by one instance.
 * Occurrences the killed instance had claimed (its job lease) or queued or started (its run leases) are run
 * by a survivor once those leases expire: late by at most two leases and some slack (counted from the
 * survivors' resumption after the kill), never skipped.
 *
 * Which instance claims which burst is a race (the first awake takes a batch of 50, the next the rest, a
 * third may get none that second, every second), so how many occurrences each ran is not asserted, and the
 * kill does not wait on that race: the survivors are paused from just before `killAt` until the killed one,
 * claiming alone, has started a handler (their occurrences meanwhile are its, and after its death theirs on
 * takeover). That each survivor can claim is shown the same way: once the window is drained each one, the
 * other paused, claims and runs a job of its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { RunRecord, Storage } from '../../src/storage/types.js';
import type { StorageConfig } from '../fixtures/open-storage.js';
import { type FixtureProcess, spawnFixture } from '../helpers/child-process.js';

export interface MultiInstanceOptions {
  storage: StorageConfig;
  /** Opens the same database in this process (adding jobs, reading runs). */
  open: () => Storage;
  jobs: number;
  seconds: number;
  /** Seconds into the window from which the third instance is killed, in the first handler it starts. */
  killAt: number;
  leaseMs: number;
  handlerMs: number;
}

export interface MultiInstanceResult {
  /** Handler completions of the window's occurrences reported per instance (a race: see above). */
  ranBy: Map<string, number>;
  recoveries: number;
  /** Handlers run twice because the killed instance died between finishing them and recording it. */
  repeatedAfterCrash: number;
  /** `ERR_LEASE_LOST` errors: job leases that ran out before their instance advanced the job. */
  leaseLost: number;
}

const INSTANCES = ['a', 'b', 'c'] as const;
const KILLED = 'c';
const SURVIVORS = INSTANCES.filter((id) => id !== KILLED);
/** Jobs of {@link claimAlone}, outside the window's checks. */
const ALONE_PREFIX = 'alone-';

export async function runMultiInstanceTest(options: MultiInstanceOptions): Promise<MultiInstanceResult> {
  const storage = options.open();
  const children = new Map<string, FixtureProcess>();
  try {
    await storage.migrate();
    for (const instanceId of INSTANCES) {
      const config = {
        storage: options.storage,
        instanceId,
        leaseMs: options.leaseMs,
        concurrency: 200,
        handlerMs: options.handlerMs,
      };
      children.set(instanceId, spawnFixture('scheduler-instance.ts', [JSON.stringify(config)]));
    }
    await Promise.all([...children.values()].map((c) => c.waitFor((m) => m.type === 'ready', 60_000)));

    // Jobs are added by a scheduler that is never started: it only writes them, all at once (one at a time,
    // 200 of them took more than the lead time on a loaded 2-core machine).
    const start = Math.ceil(Date.now() / 1000) * 1000 + 5_000;
    const end = start + (options.seconds - 1) * 1000;
    const writer = new Scheduler({ storage });
    const ids = Array.from({ length: options.jobs }, (_, i) => `job-${String(i).padStart(3, '0')}`);
    await Promise.all(
      ids.map((id) =>
        writer.addJob({
          id,
          schedule: '* * * * * *',
          target: { handler: 'record' },
          overlap: 'allow',
          retry: { attempts: 2, minDelayMs: 100 },
          startAt: new Date(start),
          endAt: new Date(end),
        }),
      ),
    );
    expect(Date.now(), 'adding the jobs took longer than the lead time').toBeLessThan(start);

    // Kill mid-run, in the first handler the third instance starts of an occurrence from `killAt` on. Which
    // instance claims a burst is a race that it can lose every second, so the survivors are paused just
    // before (their schedulers stopped) and the third claims alone; they resume once it is dead.
    const killed = children.get(KILLED)!;
    const survivors = SURVIVORS.map((id) => children.get(id)!);
    const killFrom = start + options.killAt * 1000;
    await sleep(killFrom - 1_000 - Date.now());
    await pause(survivors);
    await killed.waitFor(
      (m) => m.type === 'started' && Date.parse(String(m.scheduledAt)) >= killFrom,
      options.killAt * 1000 + 15_000,
    );
    killed.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    await resume(survivors);
    // From here the survivors can act: nothing runs between the kill and their resumption (the killed instance
    // is dead, they are paused), however long a loaded machine takes over it, so lateness counts from here.
    const resumedAt = Date.now();

    // Drain: the last occurrence, then the lease of anything the killed instance still held.
    const deadline = end + options.handlerMs + 4 * options.leaseMs + 10_000;
    await sleep(end + options.handlerMs - Date.now());
    for (;;) {
      const active = await storage.listRuns({ statuses: ['queued', 'running'], limit: 1 });
      const due = await storage.nextDueAt();
      if (active.length === 0 && due === null) break;
      if (Date.now() > deadline) throw new Error(`not drained: active ${JSON.stringify(active)}, due ${due}`);
      await sleep(200);
    }
    for (const id of SURVIVORS) await claimAlone(children, id, writer);
    for (const id of SURVIVORS) children.get(id)!.kill('SIGTERM');
    for (const id of SURVIVORS) {
      const child = children.get(id)!;
      await child.waitFor((m) => m.type === 'stopped', 15_000);
      await child.exited;
    }

    const errors = [...children].flatMap(([id, c]) =>
      c.messages.filter((m) => m.type === 'error').map((m) => ({ id, code: m.code, message: m.message })),
    );
    // A lost job lease is reported but harmless: the instance that took the job over ran its occurrences,
    // which the checks below verify. Anything else is a failure.
    const leaseLost = errors.filter((e) => e.code === 'ERR_LEASE_LOST').length;
    expect(
      errors.filter((e) => e.code !== 'ERR_LEASE_LOST'),
      'scheduler errors',
    ).toEqual([]);

    const runs: RunRecord[] = [];
    for (const id of ids) runs.push(...(await storage.listRuns({ jobId: id, limit: 1000 })));
    return {
      ...checkOccurrences({
        ids,
        start,
        end,
        resumedAt,
        runs,
        children,
        maxLateMs: 2 * options.leaseMs + 5_000,
      }),
      leaseLost,
    };
  } finally {
    for (const child of children.values()) child.kill('SIGKILL');
    await Promise.all([...children.values()].map((c) => c.exited));
    await storage.close?.();
  }
}

/**
 * Shows that survivor `id` claims due jobs: the other survivors paused (their schedulers stopped, SIGUSR2),
 * a one-off job due in a second must be claimed and run by `id`; then the others resume (SIGHUP).
 */
async function claimAlone(
  children: Map<string, FixtureProcess>,
  id: string,
  writer: Scheduler,
): Promise<void> {
  const others = SURVIVORS.filter((other) => other !== id).map((other) => children.get(other)!);
  await pause(others);
  const jobId = `${ALONE_PREFIX}${id}`;
  await writer.addJob({
    id: jobId,
    schedule: { at: new Date(Date.now() + 1_000) },
    target: { handler: 'record' },
  });
  await children.get(id)!.waitFor((m) => m.type === 'ran' && m.jobId === jobId, 15_000);
  await resume(others);
}

const count = (child: FixtureProcess, type: string) => child.messages.filter((m) => m.type === type).length;

/** Stops the schedulers of `instances` (SIGUSR2), their processes and storage left open. */
function pause(instances: FixtureProcess[]): Promise<unknown> {
  return Promise.all(
    instances.map((child) => {
      const paused = count(child, 'paused');
      child.kill('SIGUSR2');
      return child.waitFor(() => count(child, 'paused') > paused, 15_000);
    }),
  );
}

/** Starts the schedulers of paused `instances` again (SIGHUP), with their instance ids. */
function resume(instances: FixtureProcess[]): Promise<unknown> {
  return Promise.all(
    instances.map((child) => {
      const resumed = count(child, 'resumed');
      child.kill('SIGHUP');
      return child.waitFor(() => count(child, 'resumed') > resumed, 15_000);
    }),
  );
}

interface Ran {
  instanceId: string;
  runId: string;
  trigger: string;
}

function checkOccurrences(input: {
  ids: string[];
  start: number;
  end: number;
  /** When the survivors resumed after the kill. */
  resumedAt: number;
  runs: RunRecord[];
  children: Map<string, FixtureProcess>;
  maxLateMs: number;
}): Omit<MultiInstanceResult, 'leaseLost'> {
  const { ids, start, end, resumedAt, runs, children, maxLateMs } = input;
  const key = (jobId: string, at: number | string) => `${jobId}@${new Date(at).toISOString()}`;
  const ran = new Map<string, Ran[]>();
  const ranBy = new Map<string, number>();
  for (const [instanceId, child] of children) {
    for (const m of child.messages) {
      if (m.type !== 'ran' || String(m.jobId).startsWith(ALONE_PREFIX)) continue;
      const k = key(String(m.jobId), String(m.scheduledAt));
      ran.set(k, [...(ran.get(k) ?? []), { instanceId, runId: String(m.runId), trigger: String(m.trigger) }]);
      ranBy.set(instanceId, (ranBy.get(instanceId) ?? 0) + 1);
    }
  }
  const runsBy = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const k = key(run.jobId, run.scheduledAt.getTime());
    runsBy.set(k, [...(runsBy.get(k) ?? []), run]);
  }
  const problems: string[] = [];
  let recoveries = 0;
  let repeatedAfterCrash = 0;
  let expected = 0;
  for (const jobId of ids) {
    for (let at = start; at <= end; at += 1000) {
      expected++;
      const k = key(jobId, at);
      const all = runsBy.get(k) ?? [];
      runsBy.delete(k);
      const reports = ran.get(k) ?? [];
      ran.delete(k);
      const primary = all.filter((r) => r.occurrenceKey === new Date(at).toISOString());
      const succeeded = all.filter((r) => r.status === 'succeeded');
      if (primary.length !== 1 || succeeded.length !== 1) {
        problems.push(
          `${k}: ${primary.length} occurrence runs, ${succeeded.length} succeeded: ${describe(all)}`,
        );
        continue;
      }
      const [first] = primary as [RunRecord];
      const [done] = succeeded as [RunRecord];
      const extra = all.filter((r) => r !== first && r !== done);
      if (extra.length > 0) problems.push(`${k}: unexpected runs ${describe(extra)}`);
      if (done !== first) {
        // Taken over after the killed instance lost the lease of a running run.
        recoveries++;
        if (first.status !== 'failed' || first.error?.code !== 'ERR_LEASE_EXPIRED')
          problems.push(`${k}: replaced run is not a lease expiry: ${describe([first])}`);
        if (done.trigger !== 'retry-after-crash') problems.push(`${k}: recovery run ${describe([done])}`);
      }
      // Late only by what a takeover costs: the dead instance's job lease (its unadvanced claims) or run lease
      // (its runs), then the survivors' next look for expired leases (every leaseMs / 2), plus slack for load;
      // counted from the occurrence, or from the survivors' resumption for one due while nobody could run it.
      const late = (done.startedAt?.getTime() ?? Number.POSITIVE_INFINITY) - Math.max(at, resumedAt);
      if (late > maxLateMs) problems.push(`${k}: started ${late} ms late: ${describe([done])}`);
      // The handler of the succeeded run reported, once; and only the killed instance may have run it before.
      const ofDone = reports.filter((r) => r.runId === done.id);
      const others = reports.filter((r) => r.runId !== done.id);
      if (ofDone.length !== 1) problems.push(`${k}: run ${done.id} reported ${ofDone.length} times`);
      for (const other of others) {
        if (other.instanceId === KILLED && other.runId === first.id && done !== first) repeatedAfterCrash++;
        else problems.push(`${k}: also ran as ${JSON.stringify(other)}`);
      }
    }
  }
  for (const [k, rest] of runsBy) problems.push(`${k}: run outside the window ${describe(rest)}`);
  for (const [k, rest] of ran) problems.push(`${k}: handler ran outside the window ${JSON.stringify(rest)}`);
  expect(problems.slice(0, 20), `${problems.length} of ${expected} occurrences wrong`).toEqual([]);
  return { ranBy, recoveries, repeatedAfterCrash };
}

function describe(runs: RunRecord[]): string {
  return JSON.stringify(
    runs.map((r) => ({
      id: r.id,
      key: r.occurrenceKey,
      status: r.status,
      trigger: r.trigger,
      instance: r.instanceId,
      error: r.error?.code,
    })),
  );
}
