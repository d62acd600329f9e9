import { isDeepStrictEqual } from 'node:util';
import { CronhookError, describeValue, isCronhookError } from '../../errors.js';
import type { NormalizedSchedule } from '../../schedule/types.js';
import { CHANGE_ATTEMPTS, concurrentChange } from '../../storage/concurrent-change.js';
import type { JobRecord, Storage } from '../../storage/types.js';
import type { JobDefinition } from '../types.js';
import { buildJobRecord } from './definition.js';
import { writeIfUnchanged } from './job-write.js';
import { recordToDefinition } from './record.js';
import { changedAt, nextRunAfterChange, waitingRunAt } from './schedule-state.js';

/** What `upsertJob` did with a definition. */
export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

export interface JobUpsertOptions {
  storage: Storage;
  /** Timezone for cron strings without their own. */
  timezone: string;
  now: () => number;
}

/**
 * Stores `definition` under its id (`scheduler.upsertJob`): inserted when there is no such job, replaced
 * when the stored definition differs, left alone — schedule state, catch-up, `updatedAt` and all — when it is
 * the same once both are normalized (`method: 'post'` is `'POST'`, a URL gains its `/`, header and metadata
 * keys may come in any order, an `every` interval is compared without the instant it started from). The
 * stored record is compared, header values and signing secret included. `enabled` counts only when the
 * definition gives it, so a job paused by an operator stays paused across restarts.
 *
 * Every write is conditional on what was read — insertJob refuses an id that exists, `replaceJob` a job
 * changed since it was read, claimed or advanced included — and a write that loses is retried against the job
 * stored then. Instances that upsert one definition together therefore end with one job, one of them reports
 * the change, and a run counted meanwhile stays counted.
 */
export async function upsertJobRecord(
  options: JobUpsertOptions,
  definition: JobDefinition,
): Promise<{ record: JobRecord; outcome: UpsertOutcome }> {
  const id = (definition as { id?: unknown } | null)?.id;
  if (definition !== null && typeof definition === 'object' && typeof id !== 'string') {
    throw new CronhookError(
      'ERR_INVALID_JOB',
      `upsertJob: id is ${describeValue(id)}; a job is upserted by its id, so the definition needs one`,
      { field: 'id' },
    );
  }
  const { storage, timezone } = options;
  const now = options.now();
  // Everything is validated before anything is read; a past `at` is judged below, against the stored job.
  const desired = buildJobRecord(definition, { timezone, now, allowPastAt: true });
  const givesEnabled = definition.enabled !== undefined;
  for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
    const stored = await storage.getJob(desired.id);
    if (stored === null) {
      refusePastAt(definition, desired, null, options);
      try {
        await storage.insertJob(desired);
        return { record: desired, outcome: 'created' };
      } catch (error) {
        if (isCronhookError(error, 'ERR_DUPLICATE_JOB')) continue; // created meanwhile: compare with it
        throw error;
      }
    }
    if (sameDefinition(stored, desired, givesEnabled)) return { record: stored, outcome: 'unchanged' };
    refusePastAt(definition, desired, stored, options);
    const next = replacement(stored, desired, givesEnabled, now, await waitingRunAt(storage, stored, now));
    if (await writeIfUnchanged(storage, next, stored)) return { record: next, outcome: 'updated' };
  }
  throw concurrentChange(`upsertJob(${JSON.stringify(desired.id)})`, 'job');
}

/** The value as JSON data: Dates as their ISO text, undefined members gone. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** True when two records define the same job; `enabled` counts only with `compareEnabled`. */
function sameDefinition(a: JobRecord, b: JobRecord, compareEnabled: boolean): boolean {
  const x = recordToDefinition(a);
  const y = recordToDefinition(b);
  if (!compareEnabled) {
    delete x.enabled;
    delete y.enabled;
  }
  return isDeepStrictEqual(asJson(x), asJson(y));
}

function sameSchedule(a: NormalizedSchedule, b: NormalizedSchedule): boolean {
  if (a.kind === 'every' && b.kind === 'every') return a.everyMs === b.everyMs; // the anchor is state
  return isDeepStrictEqual(a, b);
}

const time = (date: Date | null) => date?.getTime() ?? null;

/**
 * The stored job with the new definition. Its schedule state stays when nothing that decides it changed (a
 * job changed only in its target keeps its next run, and its catch-up after downtime); otherwise the next run
 * is computed from now, as `updateJob` does (past an occurrence claimed meanwhile; `waiting`: see
 * `waitingRunAt`). `updatedAt` moves forward
 * even on a clock that stands still (a FakeClock): the next conditional write, and a claim's advance, compare it.
 */
function replacement(
  stored: JobRecord,
  desired: JobRecord,
  givesEnabled: boolean,
  now: number,
  waiting: number | undefined,
): JobRecord {
  const next: JobRecord = {
    ...desired,
    enabled: givesEnabled ? desired.enabled : stored.enabled,
    createdAt: stored.createdAt,
    updatedAt: changedAt(stored, now),
    runCount: stored.runCount,
    lockedBy: stored.lockedBy,
    lockedUntil: stored.lockedUntil,
  };
  const keepsSchedule = sameSchedule(stored.schedule, desired.schedule);
  if (keepsSchedule) next.schedule = stored.schedule;
  const keepsTiming =
    keepsSchedule &&
    next.enabled === stored.enabled &&
    time(next.startAt) === time(stored.startAt) &&
    time(next.endAt) === time(stored.endAt) &&
    next.maxRuns === stored.maxRuns;
  // A job claimed meanwhile (leased) moves past the claimed occurrence: the claim's advance leaves it as set here.
  const claimed = stored.lockedUntil !== null && stored.lockedUntil.getTime() > now;
  next.nextRunAt =
    keepsTiming && !claimed ? stored.nextRunAt : nextRunAfterChange(next, stored, now, waiting);
  return next;
}

/**
 * An `at` in the past is refused with catchUp 'skip' (it would never run) as addJob refuses it, unless it is
 * the instant already stored: a one-off job that has run stays declared.
 */
function refusePastAt(
  definition: JobDefinition,
  desired: JobRecord,
  stored: JobRecord | null,
  options: JobUpsertOptions,
): void {
  if (desired.schedule.kind !== 'at' || desired.catchUp !== 'skip') return;
  if (stored !== null && sameSchedule(stored.schedule, desired.schedule)) return;
  buildJobRecord(definition, { timezone: options.timezone, now: options.now() });
}
