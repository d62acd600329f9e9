import { duplicateJob, leaseLost, notFound, runLeaseLost } from '../errors.js';
import { sqlitePlaceholder as ph, setSql, without } from '../sql/codec.js';
import { ACTIVE_RUN_SQL as ACTIVE, jobCodec, prunedStatuses, runCodec } from '../sql/job-rows.js';
import type {
  AdvanceJobInput,
  ClaimedRunRequests,
  ClaimOptions,
  ClaimRunRequestsOptions,
  JobRecord,
  JobScheduleState,
  ListJobsOptions,
  ListRunsOptions,
  PruneRunsInput,
  RunRecord,
} from '../types.js';
import { sqliteDialect as dialect, type SqliteConnection, type SqlRow } from './connection/connection.js';
import {
  ADVANCE,
  ADVANCE_UPDATED,
  CLAIM_EXPIRED_RUNS,
  CLAIM_JOBS,
  CLAIM_REQUESTS,
  INSERT_JOB,
  INSERT_RUN,
  JOB_DEFINITION,
  LEASE_COLUMNS,
  LEASE_JOB,
  LEASE_RUN,
  RUN_KEY_COLUMNS,
  UPDATE_RUN,
} from './job-statements.js';

const decodeJob = (row: SqlRow) => jobCodec.decode(row, dialect);
const decodeRun = (row: SqlRow) => runCodec.decode(row, dialect);
const toDate = (value: unknown) => (value === null || value === undefined ? null : new Date(Number(value)));

/** The scheduler half of `SqliteStorage`: jobs and runs. Reads are synchronous; writes are group-committed. */
export class SqliteJobs {
  readonly #c: SqliteConnection;

  constructor(connection: SqliteConnection) {
    this.#c = connection;
  }

  insertJob(job: JobRecord): Promise<void> {
    return this.#c.write(() => {
      if (this.#c.run(INSERT_JOB, jobCodec.encode(job, dialect)) === 0) throw duplicateJob(job.id);
    });
  }

  updateJob(job: JobRecord): Promise<void> {
    const { values } = without(jobCodec.columns, jobCodec.encode(job, dialect), LEASE_COLUMNS);
    const sql = `UPDATE cronhook_jobs SET ${setSql(JOB_DEFINITION, ph)} WHERE id = ?`;
    return this.#c.write(() => {
      if (this.#c.run(sql, [...values, job.id]) === 0) throw notFound('job', job.id);
    });
  }

  replaceJob(job: JobRecord, expectedUpdatedAt: Date, expectedState?: JobScheduleState): Promise<boolean> {
    const { values } = without(jobCodec.columns, jobCodec.encode(job, dialect), LEASE_COLUMNS);
    const params = [...values, job.id, expectedUpdatedAt.getTime()];
    let sql = `UPDATE cronhook_jobs SET ${setSql(JOB_DEFINITION, ph)} WHERE id = ? AND updated_at = ?`;
    if (expectedState !== undefined) {
      sql += ' AND next_run_at IS ? AND run_count = ? AND locked_by IS ? AND locked_until IS ?';
      params.push(
        expectedState.nextRunAt?.getTime() ?? null,
        expectedState.runCount,
        expectedState.lockedBy,
        expectedState.lockedUntil?.getTime() ?? null,
      );
    }
    return this.#c.write(() => this.#c.run(sql, params) > 0);
  }

  getJob(id: string): JobRecord | null {
    const row = this.#c.get('SELECT * FROM cronhook_jobs WHERE id = ?', [id]);
    return row ? decodeJob(row) : null;
  }

  listJobs(options: ListJobsOptions = {}): JobRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.after !== undefined) {
      where.push('id > ?');
      params.push(options.after);
    }
    // Paused jobs by their own partial index (few of them among many), which SQLite uses only for a query
    // naming its condition literally; enabled ones in id order from the primary key.
    if (options.enabled === false) where.push('enabled = 0');
    else if (options.enabled !== undefined) {
      where.push('enabled = ?');
      params.push(dialect.bool(options.enabled));
    }
    const sql = `SELECT * FROM cronhook_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id LIMIT ?`;
    return this.#c.all(sql, [...params, options.limit ?? 100]).map(decodeJob);
  }

  /** Failing enabled jobs from their partial index (schema version 8), which names its condition literally. */
  listFailingJobs(options: Omit<ListJobsOptions, 'enabled'> = {}): JobRecord[] {
    const after = options.after === undefined ? '' : 'AND id > ?';
    return this.#c
      .all(`SELECT * FROM cronhook_jobs WHERE enabled = 1 AND failing = 1 ${after} ORDER BY id LIMIT ?`, [
        ...(options.after === undefined ? [] : [options.after]),
        options.limit ?? 100,
      ])
      .map(decodeJob);
  }

  deleteJob(id: string): Promise<boolean> {
    return this.#c.write(() => {
      this.#c.run('DELETE FROM cronhook_runs WHERE job_id = ?', [id]);
      return this.#c.run('DELETE FROM cronhook_jobs WHERE id = ?', [id]) > 0;
    });
  }

  nextDueAt(): Date | null {
    return toDate(this.#c.get('SELECT MIN(wake_at) AS t FROM cronhook_jobs WHERE enabled = 1')?.t);
  }

  claimDueJobs({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<JobRecord[]> {
    const lockedUntil = now.getTime() + leaseMs;
    return this.#c.write(() => {
      const rows = this.#c.all(CLAIM_JOBS, [now.getTime(), limit]);
      for (const row of rows) this.#c.run(LEASE_JOB, [instanceId, lockedUntil, row.id]);
      return rows.map((row) => ({
        ...decodeJob(row),
        lockedBy: instanceId,
        lockedUntil: new Date(lockedUntil),
      }));
      // A lease lost in a power cut only makes the jobs claimable again (an occurrence still runs once: its
      // run's key is unique), so the claim does not wait for the disk.
    }, 'claim');
  }

  advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    return this.#c.write(() => {
      const holder = this.#c.get('SELECT locked_by, updated_at FROM cronhook_jobs WHERE id = ?', [
        input.jobId,
      ]);
      if (holder?.locked_by !== input.instanceId) throw leaseLost(input.jobId, input.instanceId);
      const inserted = input.runs.filter((run) => this.#c.run(INSERT_RUN, runCodec.encode(run, dialect)) > 0);
      const claimed = input.claimedUpdatedAt?.getTime();
      if (claimed !== undefined && Number(holder.updated_at) !== claimed) {
        // Updated since the claim: the update's next run and enabled, computed from the new definition, stay.
        this.#c.run(ADVANCE_UPDATED, [input.runCount, input.jobId]);
      } else {
        this.#c.run(ADVANCE, [
          input.nextRunAt?.getTime() ?? null,
          input.runCount,
          input.enabled === undefined ? null : dialect.bool(input.enabled),
          input.jobId,
        ]);
      }
      return inserted.map((run) =>
        decodeRun(this.#c.get('SELECT * FROM cronhook_runs WHERE id = ?', [run.id])!),
      );
      // The job was claimed (so on disk) and its runs are this instance's: nothing here is for a claim.
    }, 'outcome');
  }

  insertRun(run: RunRecord): Promise<boolean> {
    const values = runCodec.encode(run, dialect);
    return this.#c.write(() => this.#c.run(INSERT_RUN, values) > 0);
  }

  updateRun(run: RunRecord): Promise<void> {
    const { values } = without(runCodec.columns, runCodec.encode(run, dialect), RUN_KEY_COLUMNS);
    return this.#c.write(() => {
      if (this.#c.run(UPDATE_RUN, [...values, run.id, run.instanceId]) > 0) return;
      // Nothing written: why, read in the same write (nothing else writes in between).
      const stored = this.#c.get('SELECT instance_id, status FROM cronhook_runs WHERE id = ?', [run.id]);
      if (!stored) throw notFound('run', run.id);
      throw runLeaseLost(run, {
        instanceId: stored.instance_id === null ? null : String(stored.instance_id),
        status: String(stored.status),
      });
    }, 'outcome');
  }

  getRun(id: string): RunRecord | null {
    const row = this.#c.get('SELECT * FROM cronhook_runs WHERE id = ?', [id]);
    return row ? decodeRun(row) : null;
  }

  listRuns(options: ListRunsOptions = {}): RunRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.jobId !== undefined) {
      where.push('job_id = ?');
      params.push(options.jobId);
    }
    if (options.statuses !== undefined) {
      where.push('status IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(options.statuses));
    }
    if (options.before !== undefined) {
      // A row value, which SQLite seeks to in the index; the equivalent OR made it walk from the newest run.
      where.push('(scheduled_at, id) < (?, ?)');
      params.push(options.before.scheduledAt.getTime(), options.before.id);
    }
    const sql = `SELECT * FROM cronhook_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY scheduled_at DESC, id DESC LIMIT ?`;
    return this.#c.all(sql, [...params, options.limit ?? 50]).map(decodeRun);
  }

  latestRuns(jobIds: string[]): RunRecord[] {
    if (jobIds.length === 0) return [];
    // One index probe per job, in one statement.
    return this.#c
      .all(
        `SELECT r.* FROM json_each(?) j JOIN cronhook_runs r ON r.id = (SELECT id FROM cronhook_runs
           WHERE job_id = j.value ORDER BY scheduled_at DESC, id DESC LIMIT 1)`,
        [JSON.stringify(jobIds)],
      )
      .map(decodeRun);
  }

  renewRunLeases({
    instanceId,
    runIds,
    until,
  }: {
    instanceId: string;
    runIds: string[];
    until: Date;
  }): Promise<string[]> {
    return this.#c.write(
      () =>
        this.#c
          .all(
            `UPDATE cronhook_runs SET locked_until = ?
             WHERE instance_id = ? AND ${ACTIVE} AND id IN (SELECT value FROM json_each(?)) RETURNING id`,
            [until.getTime(), instanceId, JSON.stringify(runIds)],
          )
          .map((row) => String(row.id)),
      'outcome',
    );
  }

  claimExpiredRuns({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<RunRecord[]> {
    const lockedUntil = now.getTime() + leaseMs;
    return this.#c.write(() => {
      const rows = this.#c.all(CLAIM_EXPIRED_RUNS, [now.getTime(), limit]);
      for (const row of rows) this.#c.run(LEASE_RUN, [instanceId, lockedUntil, row.id]);
      return rows.map((row) => ({ ...decodeRun(row), instanceId, lockedUntil: new Date(lockedUntil) }));
    });
  }

  claimRunRequests({
    now,
    limit,
    instanceId,
    leaseMs,
    handlers,
  }: ClaimRunRequestsOptions): Promise<ClaimedRunRequests> {
    const at = now.getTime();
    const lockedUntil = at + leaseMs;
    return this.#c.write(() => {
      const rows = this.#c.all(CLAIM_REQUESTS, [at, at, JSON.stringify(handlers), limit]);
      const claimed: ClaimedRunRequests = { taken: [], expired: [] };
      for (const row of rows) {
        this.#c.run(LEASE_RUN, [instanceId, lockedUntil, row.id]);
        const run = { ...decodeRun(row), instanceId, lockedUntil: new Date(lockedUntil) };
        (row.expired ? claimed.expired : claimed.taken).push(run);
      }
      return claimed;
    });
  }

  pruneRuns({ jobId, keep, statuses }: PruneRunsInput): Promise<number> {
    const pruned = prunedStatuses(statuses);
    if (pruned.length === 0) return Promise.resolve(0);
    // The statuses are our own constants (see prunedStatuses), so they go into the text as literals: one
    // prepared statement per set of statuses, and the index on (job_id, scheduled_at) serves each.
    const list = pruned.map((s) => `'${s}'`).join(', ');
    return this.#c.write(
      () =>
        this.#c.run(
          `DELETE FROM cronhook_runs WHERE id IN (SELECT id FROM cronhook_runs WHERE job_id = ? AND status IN (${list})
           ORDER BY scheduled_at DESC, id DESC LIMIT -1 OFFSET ?)`,
          [jobId, Math.max(0, keep)],
        ),
      'outcome',
    );
  }
}
