import { CronhookError } from '../../../errors.js';
import type { RunRecord, Storage } from '../../../storage/types.js';
import { checkListOptions } from '../../list-options.js';
import type { Run, RunTrigger } from '../../types.js';
import { newRunId } from './run-id.js';

// A run's record: made for an occurrence (its id, and its occurrence key, the ISO time of the instant), shown
// as the public Run, and read back as a job's history.

/**
 * A new run of `job` for the occurrence at `scheduledAt`; queued runs are leased to `instanceId` until
 * `lease.until`. `lease.now` (the clock's time, default `scheduledAt`) goes into the id, see {@link newRunId}.
 * The occurrence key is the ISO time of `scheduledAt` (a scheduled occurrence's), or, with `keyIsId` (a run
 * that is no occurrence: manual), the run's id itself, unique as it is. One string then serves as both keys,
 * and in-memory storage hashes it once rather than twice (a `manual:<id>` key was a second long string to
 * flatten and hash on every triggered run).
 */
export function newRunRecord(
  job: { id: string },
  scheduledAt: number,
  trigger: RunTrigger,
  status: RunRecord['status'],
  lease: { instanceId: string; until: number; now?: number },
  keyIsId = false,
): RunRecord {
  const scheduled = new Date(scheduledAt);
  const id = newRunId(lease.now ?? scheduledAt);
  return {
    id,
    jobId: job.id,
    trigger,
    scheduledAt: scheduled,
    status,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    attempts: 0,
    statusCode: null,
    error: null,
    responseSnippet: null,
    instanceId: lease.instanceId,
    occurrenceKey: keyIsId ? id : isoTime(scheduledAt),
    lockedUntil: status === 'queued' ? new Date(lease.until) : null,
  };
}

/**
 * Marks `run` started at `now`, in its first attempt. A run is stored `running` with the attempt under way
 * counted (later attempts are stored as they start): should its instance die during an attempt, the instance
 * that takes the run over (RunLeases) judges the retry policy by the attempts made, and a job without retries
 * is not run a second time.
 */
export function markStarted(run: RunRecord, now: number): void {
  run.status = 'running';
  run.startedAt = new Date(now);
  run.attempts = 1;
}

/**
 * The public view of a stored run: the record without its occurrence key and lease. Built field by field
 * (one object of one shape, no rest copy), and shares the record's dates.
 */
export function toPublicRun(record: RunRecord): Run {
  return {
    id: record.id,
    jobId: record.jobId,
    trigger: record.trigger,
    scheduledAt: record.scheduledAt,
    status: record.status,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    durationMs: record.durationMs,
    attempts: record.attempts,
    statusCode: record.statusCode,
    error: record.error,
    responseSnippet: record.responseSnippet,
    instanceId: record.instanceId,
  };
}

/**
 * Brings `view`, made by {@link toPublicRun} earlier (while its run waited), up to date with `record`: every
 * field, as a view made now would have them, with no new object.
 */
export function refreshPublicRun(view: Run, record: RunRecord): void {
  view.id = record.id;
  view.jobId = record.jobId;
  view.trigger = record.trigger;
  view.scheduledAt = record.scheduledAt;
  view.status = record.status;
  view.startedAt = record.startedAt;
  view.finishedAt = record.finishedAt;
  view.durationMs = record.durationMs;
  view.attempts = record.attempts;
  view.statusCode = record.statusCode;
  view.error = record.error;
  view.responseSnippet = record.responseSnippet;
  view.instanceId = record.instanceId;
}

/**
 * A page of a job's runs, newest first (`scheduler.listRuns`): `before` is the id of the last run of the
 * previous page, and must name a stored run (`ERR_RUN_NOT_FOUND`).
 */
export async function listJobRuns(
  storage: Storage,
  id: string,
  options: { limit?: number; before?: string; status?: Run['status'] },
): Promise<Run[]> {
  checkListOptions('listRuns', options);
  let before: { scheduledAt: Date; id: string } | undefined;
  if (options.before !== undefined) {
    const cursor = await storage.getRun(options.before);
    if (!cursor)
      throw new CronhookError('ERR_RUN_NOT_FOUND', `No run with id ${JSON.stringify(options.before)}`, {
        field: 'before',
      });
    before = { scheduledAt: cursor.scheduledAt, id: cursor.id };
  }
  const runs = await storage.listRuns({
    jobId: id,
    limit: options.limit ?? 50,
    ...(before ? { before } : {}),
    ...(options.status ? { statuses: [options.status] } : {}),
  });
  return runs.map(toPublicRun);
}

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from here on `toISOString` writes six-digit years. */
const YEAR_10000 = 253_402_300_800_000;
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

let cachedDay = Number.NaN;
let cachedPrefix = '';
/** The last time asked for and its text: the runs of a busy instant ask for the same millisecond in turn. */
let lastMs = Number.NaN;
let lastText = '';

/**
 * `new Date(ms).toISOString()`, without a Date and mostly without `toISOString` (which costs as much as the
 * rest of building an HTTP job's request): the `YYYY-MM-DDT` of the last day asked for is kept, and the time
 * of day is put together from tables; the text of the last millisecond asked for is kept whole (a string
 * put together from nine parts is nine allocations). Times before 1970 or from year 10000 on are left to `toISOString`
 * (which also throws, as before, for a time that is not a valid date).
 */
export function isoTime(ms: number): string {
  if (ms === lastMs) return lastText;
  if (!(ms >= 0 && ms < YEAR_10000) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    cachedDay = day;
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  lastText = `${cachedPrefix}${TWO[h]}:${TWO[m]}:${TWO[s]}.${THREE[rest - s * 1000]}Z`;
  lastMs = ms;
  return lastText;
}
