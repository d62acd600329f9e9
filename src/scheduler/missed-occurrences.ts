import type { Clock } from '../clock.js';
import type { Emitter } from '../events.js';
import type { MissedRange } from '../schedule/occurrences.js';
import type { JobRecord, RunRecord } from '../storage/types.js';
import { toPublicJob } from './jobs/record.js';
import { toPublicRun } from './runs/records/run-records.js';
import type { MissedEvents, SchedulerEvents } from './types.js';

/**
 * Occurrences of a job that recovery took over from a stopped or dead instance, handed to the claim of the
 * job in the same tick so that both are judged as one catch-up (see `RunLeases` and `ClaimAdvance`).
 */
export interface TakenOver {
  job: JobRecord;
  /** Runs recorded `missed` (oldest first); with `missedEvents: 'summary'` not reported yet. */
  missed: RunRecord[];
  /** Runs handed to the tracker: the claim's own runs go after them, and are not skipped because of them. */
  running: Set<string>;
  /** Settles when the runs handed over have settled. */
  done: Promise<unknown>;
}

export function takenOverEntry(map: Map<string, TakenOver>, job: JobRecord): TakenOver {
  let entry = map.get(job.id);
  if (entry === undefined) {
    entry = { job, missed: [], running: new Set(), done: Promise.resolve() };
    map.set(job.id, entry);
  }
  return entry;
}

/**
 * Reports missed occurrences as `job.missed` events: one per recorded `missed` run (`'each'`), or one per
 * catch-up for its newest recorded run, with the count and range of all it missed (`'summary'`).
 */
export class MissedReporter {
  readonly mode: MissedEvents;
  readonly #emitter: Emitter<SchedulerEvents>;
  readonly #clock: Clock;

  constructor(options: { emitter: Emitter<SchedulerEvents>; clock: Clock; missedEvents: MissedEvents }) {
    this.mode = options.missedEvents;
    this.#emitter = options.emitter;
    this.#clock = options.clock;
  }

  /**
   * Emits the events for `rows` (recorded missed runs, oldest first); `range` covers every occurrence missed
   * (more than the rows when some were only counted). Awaited: the notifier stores its
   * `job.execution.missed` messages before the claim moves on.
   */
  async report(job: JobRecord, rows: RunRecord[], range: MissedRange): Promise<void> {
    if (rows.length === 0 || this.#emitter.listenerCount('job.missed') === 0) return;
    const at = new Date(this.#clock.now());
    const publicJob = toPublicJob(job);
    if (this.mode === 'summary') {
      const missed = { count: range.count, first: new Date(range.first), last: new Date(range.last) };
      const run = toPublicRun(rows.at(-1)!);
      await this.#emitter.emit('job.missed', { type: 'job.missed', at, job: publicJob, run, missed });
      return;
    }
    for (const row of rows) {
      const run = toPublicRun(row);
      const missed = { count: 1, first: run.scheduledAt, last: run.scheduledAt };
      await this.#emitter.emit('job.missed', { type: 'job.missed', at, job: publicJob, run, missed });
    }
  }
}

/** The range of runs recorded missed (oldest first). */
export function rangeOf(rows: RunRecord[]): MissedRange {
  return {
    count: rows.length,
    first: rows[0]!.scheduledAt.getTime(),
    last: rows.at(-1)!.scheduledAt.getTime(),
  };
}
