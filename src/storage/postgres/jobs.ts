import { duplicateJob, leaseLost, notFound } from '../errors.js';
import { insertSql, postgresPlaceholder as ph, setSql, without } from '../sql/codec.js';
import { GroupCommit, type QueuedWrite } from '../sql/group-commit.js';
import { jobCodec, runCodec } from '../sql/job-rows.js';
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
import {
  ASYNC_COMMIT,
  postgresDialect as dialect,
  type PgRow,
  type PgSql,
  type PostgresDatabase,
} from './database.js';
import { decodeRun, PostgresRuns, runRows } from './runs.js';
import { distinctParts, writeAsSet } from './set-writes.js';

const LEASE_COLUMNS = ['id', 'locked_by', 'locked_until'];
const JOB_DEFINITION = without(jobCodec.columns, jobCodec.columns, LEASE_COLUMNS).columns;

/** The job was not updated since its claim: the advance sets its next run (else the update's stays). */
const UNCHANGED = '(i.claimed_updated_at IS NULL OR j.updated_at = i.claimed_updated_at)';

const decodeJob = (row: PgRow) => jobCodec.decode(row, dialect);
const toDate = (value: unknown) => (value === null || value === undefined ? null : new Date(Number(value)));

/** The scheduler half of `PostgresStorage`: jobs, and their runs through `PostgresRuns`. */
export class PostgresJobs {
  readonly #db: PostgresDatabase;
  readonly #jobs: string;
  readonly #runTable: string;
  readonly #runs: PostgresRuns;
  readonly #advances = new GroupCommit<AdvanceJobInput>((group) => this.#advanceGroup(group));
  readonly #advanceJobs: PgSql;
  readonly #claim: PgSql;
  readonly #nextDue: PgSql;

  constructor(db: PostgresDatabase) {
    this.#db = db;
    const runs = db.tables.runs;
    this.#jobs = db.tables.jobs;
    this.#runTable = runs;
    this.#runs = new PostgresRuns(db);
    const columns = runCodec.columns.join(', ');
    const jobs = db.tables.jobs;
    // Claimed jobs advanced together: for each job still leased to the caller, its runs (each occurrence
    // once) and its next occurrence, in one statement. The job ids returned are those whose lease held.
    this.#advanceJobs = db.statement(`WITH i AS (SELECT * FROM json_to_recordset($1::json)
        AS x(job_id text, instance_id text, next_run_at bigint, run_count bigint, enabled boolean,
          claimed_updated_at bigint)),
      held AS (SELECT j.id FROM ${jobs} j JOIN i ON i.job_id = j.id
        WHERE j.id = ANY($4::text[]) AND j.locked_by = i.instance_id
        ORDER BY j.id FOR UPDATE OF j),
      inserted AS (INSERT INTO ${runs} (${columns})
        SELECT ${columns} FROM json_populate_recordset(null::${runs}, $2::json) WITH ORDINALITY r
        WHERE ($3::text[])[r.ordinality] IN (SELECT id FROM held) ORDER BY r.ordinality
        ON CONFLICT ON CONSTRAINT runs_occurrence DO NOTHING RETURNING *),
      advanced AS (UPDATE ${jobs} j SET run_count = i.run_count, locked_by = NULL, locked_until = NULL,
          next_run_at = CASE WHEN ${UNCHANGED} THEN i.next_run_at ELSE j.next_run_at END,
          enabled = CASE WHEN ${UNCHANGED} THEN COALESCE(i.enabled, j.enabled) ELSE j.enabled END
        FROM i WHERE j.id = i.job_id AND j.id = ANY($4::text[]) AND j.id IN (SELECT id FROM held) RETURNING j.id)
      SELECT id AS job_id, NULL::json AS run FROM advanced
      UNION ALL SELECT job_id, to_json(inserted) FROM inserted`);
    this.#claim = db.statement(
      `SELECT job, due_at, ${ASYNC_COMMIT} FROM ${db.schema}.claim_jobs($1, $2, $3, $4)`,
    );
    this.#nextDue = db.statement(`SELECT ${db.schema}.next_job_at() AS t`);
  }

  async insertJob(job: JobRecord): Promise<void> {
    const sql = `${insertSql(this.#jobs, jobCodec.columns, ph)} ON CONFLICT (id) DO NOTHING`;
    const { rowCount } = await this.#db.query(sql, jobCodec.encode(job, dialect));
    if (rowCount === 0) throw duplicateJob(job.id);
    await this.#db.notify('jobs');
  }

  async updateJob(job: JobRecord): Promise<void> {
    const { values } = without(jobCodec.columns, jobCodec.encode(job, dialect), LEASE_COLUMNS);
    const sql = `UPDATE ${this.#jobs} SET ${setSql(JOB_DEFINITION, ph)} WHERE id = ${ph(values.length)}`;
    const { rowCount } = await this.#db.query(sql, [...values, job.id]);
    if (rowCount === 0) throw notFound('job', job.id);
    await this.#db.notify('jobs');
  }

  async replaceJob(
    job: JobRecord,
    expectedUpdatedAt: Date,
    expectedState?: JobScheduleState,
  ): Promise<boolean> {
    const { values } = without(jobCodec.columns, jobCodec.encode(job, dialect), LEASE_COLUMNS);
    const params: unknown[] = [...values, job.id, expectedUpdatedAt.getTime()];
    let sql = `UPDATE ${this.#jobs} SET ${setSql(JOB_DEFINITION, ph)}
      WHERE id = ${ph(values.length)} AND updated_at = ${ph(values.length + 1)}`;
    if (expectedState !== undefined) {
      const state = [
        ['next_run_at', expectedState.nextRunAt?.getTime() ?? null],
        ['run_count', expectedState.runCount],
        ['locked_by', expectedState.lockedBy],
        ['locked_until', expectedState.lockedUntil?.getTime() ?? null],
      ] as const;
      for (const [column, value] of state)
        sql += ` AND ${column} IS NOT DISTINCT FROM ${ph(params.push(value) - 1)}`;
    }
    const { rowCount } = await this.#db.query(sql, params);
    if (rowCount === 0) return false;
    await this.#db.notify('jobs');
    return true;
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const { rows } = await this.#db.query(`SELECT * FROM ${this.#jobs} WHERE id = $1`, [id]);
    return rows[0] ? decodeJob(rows[0]) : null;
  }

  async listJobs(options: ListJobsOptions = {}): Promise<JobRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.after !== undefined) where.push(`id > ${ph(params.push(options.after) - 1)}`);
    if (options.enabled !== undefined) where.push(`enabled = ${ph(params.push(options.enabled) - 1)}`);
    const sql = `SELECT * FROM ${this.#jobs} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id LIMIT ${ph(params.length)}`;
    const { rows } = await this.#db.query(sql, [...params, options.limit ?? 100]);
    return rows.map(decodeJob);
  }

  /** Failing enabled jobs from their partial index (schema version 10). */
  async listFailingJobs(options: Omit<ListJobsOptions, 'enabled'> = {}): Promise<JobRecord[]> {
    const params: unknown[] = [];
    const after = options.after === undefined ? '' : `AND id > ${ph(params.push(options.after) - 1)}`;
    const { rows } = await this.#db.query(
      `SELECT * FROM ${this.#jobs} WHERE enabled AND failing ${after} ORDER BY id LIMIT ${ph(params.length)}`,
      [...params, options.limit ?? 100],
    );
    return rows.map(decodeJob);
  }

  async deleteJob(id: string): Promise<boolean> {
    const deleted = await this.#db.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${this.#runTable} WHERE job_id = $1`, [id]);
      return (await tx.query(`DELETE FROM ${this.#jobs} WHERE id = $1`, [id])).rowCount > 0;
    });
    if (deleted) await this.#db.notify('jobs');
    return deleted;
  }

  async nextDueAt(): Promise<Date | null> {
    // next_job_at() (schema version 15): due times and lease ends, each read in index order.
    const { rows } = await this.#db.query(this.#nextDue);
    return toDate(rows[0]?.t);
  }

  async claimDueJobs({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<JobRecord[]> {
    // claim_jobs (schema versions 4, 5 and 15) leases them with FOR UPDATE SKIP LOCKED, in index order:
    // concurrent claimers pass over rows another is taking; a row taken and committed meanwhile is re-checked
    // against the WHERE clause (now leased) and dropped. It returns each job as leased.
    const { rows } = await this.#db.query(this.#claim, [
      now.getTime(),
      limit,
      instanceId,
      now.getTime() + leaseMs,
    ]);
    return rows
      .map((row) => ({ due: Number(row.due_at), job: decodeJob(row.job as PgRow) }))
      .sort((a, b) => a.due - b.due || (a.job.id < b.job.id ? -1 : 1))
      .map(({ job }) => job);
  }

  /**
   * Group-committed: the jobs of a claim batch advanced together take one statement (see `#advanceJobs`).
   * No NOTIFY: advancing moves a job later, and every instance already wakes for its own next due job and
   * polls; a notification per advance would wake every instance hundreds of times a second in a burst.
   */
  advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    return this.#advances.push<RunRecord[]>(input);
  }

  async #advanceGroup(group: QueuedWrite<AdvanceJobInput>[]): Promise<void> {
    for (const part of distinctParts(group, (input) => input.jobId)) {
      await writeAsSet(
        part,
        (inputs) => this.#advanceSet(inputs),
        ({ work, resolve, reject }, { advanced, inserted }) => {
          if (!advanced.has(work.jobId)) reject(leaseLost(work.jobId, work.instanceId));
          else resolve(work.runs.flatMap((run) => inserted.get(run.id) ?? []));
        },
        (input) => this.#advanceOne(input),
      );
    }
  }

  /** Advances distinct jobs at once: the ids of those whose lease held, and the runs inserted. */
  async #advanceSet(inputs: AdvanceJobInput[]) {
    const jobs = JSON.stringify(
      inputs.map((i) => ({
        job_id: i.jobId,
        instance_id: i.instanceId,
        next_run_at: i.nextRunAt?.getTime() ?? null,
        run_count: i.runCount,
        enabled: i.enabled ?? null,
        claimed_updated_at: i.claimedUpdatedAt?.getTime() ?? null,
      })),
    );
    const runs = runRows(inputs.flatMap((i) => i.runs));
    // Each run goes with its input's job (the lease that must hold), whatever job id the run names.
    const owners = inputs.flatMap((i) => i.runs.map(() => i.jobId));
    const jobIds = inputs.map((i) => i.jobId);
    const { rows } = await this.#db.query(this.#advanceJobs, [jobs, runs, owners, jobIds]);
    const advanced = new Set<string>();
    const inserted = new Map<string, RunRecord>();
    for (const row of rows) {
      if (row.run === null) advanced.add(String(row.job_id));
      else {
        const run = decodeRun(row.run as PgRow);
        inserted.set(run.id, run);
      }
    }
    return { advanced, inserted };
  }

  async #advanceOne(input: AdvanceJobInput): Promise<RunRecord[]> {
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query(
        `SELECT locked_by, updated_at FROM ${this.#jobs} WHERE id = $1 FOR UPDATE`,
        [input.jobId],
      );
      if (rows[0]?.locked_by !== input.instanceId) throw leaseLost(input.jobId, input.instanceId);
      const runs: RunRecord[] = [];
      for (const run of input.runs) {
        const result = await tx.query(this.#runs.insertOne, runCodec.encode(run, dialect));
        if (result.rows[0]) runs.push(decodeRun(result.rows[0]));
      }
      const claimed = input.claimedUpdatedAt?.getTime();
      if (claimed !== undefined && Number(rows[0].updated_at) !== claimed) {
        // Updated since the claim: the update's next run and enabled, computed from the new definition, stay.
        await tx.query(
          `UPDATE ${this.#jobs} SET run_count = $1, locked_by = NULL, locked_until = NULL WHERE id = $2`,
          [input.runCount, input.jobId],
        );
      } else {
        await tx.query(
          `UPDATE ${this.#jobs} SET next_run_at = $1, run_count = $2, enabled = COALESCE($3, enabled),
             locked_by = NULL, locked_until = NULL WHERE id = $4`,
          [input.nextRunAt?.getTime() ?? null, input.runCount, input.enabled ?? null, input.jobId],
        );
      }
      return runs;
    });
  }

  insertRun(run: RunRecord): Promise<boolean> {
    return this.#runs.insertRun(run);
  }

  updateRun(run: RunRecord): Promise<void> {
    return this.#runs.updateRun(run);
  }

  getRun(id: string): Promise<RunRecord | null> {
    return this.#runs.getRun(id);
  }

  listRuns(options?: ListRunsOptions): Promise<RunRecord[]> {
    return this.#runs.listRuns(options);
  }

  latestRuns(jobIds: string[]): Promise<RunRecord[]> {
    return this.#runs.latestRuns(jobIds);
  }

  renewRunLeases(input: { instanceId: string; runIds: string[]; until: Date }): Promise<string[]> {
    return this.#runs.renewRunLeases(input);
  }

  claimExpiredRuns(options: ClaimOptions): Promise<RunRecord[]> {
    return this.#runs.claimExpiredRuns(options);
  }

  claimRunRequests(options: ClaimRunRequestsOptions): Promise<ClaimedRunRequests> {
    return this.#runs.claimRunRequests(options);
  }

  pruneRuns(input: PruneRunsInput): Promise<number> {
    return this.#runs.pruneRuns(input);
  }
}
