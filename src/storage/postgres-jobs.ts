import { duplicateJob, leaseLost, notFound } from './errors.js';
import { postgresDialect as dialect, type PgRow, type PostgresDatabase } from './postgres-database.js';
import { GroupCommit, type QueuedWrite } from './sql/group-commit.js';
import { jobCodec, runCodec } from './sql/job-rows.js';
import { jsonRows } from './sql/json-rows.js';
import { distinctParts, writeAsSet } from './sql/set-writes.js';
import { insertSql, postgresPlaceholder as ph, setSql, without } from './sql/statements.js';
import type {
  AdvanceJobInput,
  ClaimOptions,
  JobRecord,
  ListJobsOptions,
  ListRunsOptions,
  RunRecord,
} from './types.js';

const ACTIVE = "status IN ('queued', 'running')";
const LEASE_COLUMNS = ['id', 'locked_by', 'locked_until'];
const RUN_KEY_COLUMNS = ['id', 'job_id', 'occurrence_key'];
const JOB_DEFINITION = without(jobCodec.columns, jobCodec.columns, LEASE_COLUMNS).columns;
const RUN_STATE = without(runCodec.columns, runCodec.columns, RUN_KEY_COLUMNS).columns;
const RUN_JSON = new Set(['error']);

const decodeJob = (row: PgRow) => jobCodec.decode(row, dialect);
const decodeRun = (row: PgRow) => runCodec.decode(row, dialect);
const toDate = (value: unknown) => (value === null || value === undefined ? null : new Date(Number(value)));

/** The scheduler half of `PostgresStorage`: jobs and runs. */
export class PostgresJobs {
  readonly #db: PostgresDatabase;
  readonly #jobs: string;
  readonly #runs: string;
  readonly #insertRun: string;
  readonly #insertRuns: string;
  readonly #updateRuns: string;
  readonly #pruneRuns: string;
  // Run writes made together (a scheduler's runs starting and finishing) are group-committed, each kind as
  // one set-based statement: one round trip and one commit for the group instead of one per run.
  readonly #inserts = new GroupCommit<RunRecord>((group) => this.#insertGroup(group));
  readonly #updates = new GroupCommit<RunRecord>((group) => this.#updateGroup(group));
  readonly #prunes = new GroupCommit<{ jobId: string; keep: number }>((group) => this.#pruneGroup(group));
  readonly #advances = new GroupCommit<AdvanceJobInput>((group) => this.#advanceGroup(group));
  readonly #advanceJobs: string;

  constructor(db: PostgresDatabase) {
    this.#db = db;
    const runs = db.tables.runs;
    this.#jobs = db.tables.jobs;
    this.#runs = runs;
    this.#insertRun = `${insertSql(this.#runs, runCodec.columns, ph)}
      ON CONFLICT ON CONSTRAINT runs_occurrence DO NOTHING RETURNING *`;
    const columns = runCodec.columns.join(', ');
    // In call order, so that of two runs of one occurrence in a group the first is kept, as one by one.
    this.#insertRuns = `INSERT INTO ${runs} (${columns})
      SELECT ${columns} FROM json_populate_recordset(null::${runs}, $1::json) WITH ORDINALITY r ORDER BY r.ordinality
      ON CONFLICT ON CONSTRAINT runs_occurrence DO NOTHING RETURNING id`;
    // Every statement that writes several runs locks them first in id order (the `locked` CTE): a group of
    // updates, a lease renewal and a prune over the same runs then queue behind each other instead of
    // deadlocking, which the soak showed with each statement locking in its own scan order.
    this.#updateRuns = `WITH i AS (SELECT * FROM json_populate_recordset(null::${runs}, $1::json)),
      locked AS (SELECT id FROM ${runs} WHERE id = ANY($2::text[]) ORDER BY id FOR UPDATE)
      UPDATE ${runs} r SET ${RUN_STATE.map((c) => `${c} = i.${c}`).join(', ')}
      FROM i WHERE r.id = i.id AND r.id = ANY($2::text[]) AND r.id IN (SELECT id FROM locked) RETURNING r.id`;
    const jobs = db.tables.jobs;
    // Claimed jobs advanced together: for each job still leased to the caller, its runs (each occurrence
    // once) and its next occurrence, in one statement. The job ids returned are those whose lease held.
    this.#advanceJobs = `WITH i AS (SELECT * FROM json_to_recordset($1::json)
        AS x(job_id text, instance_id text, next_run_at bigint, run_count bigint, enabled boolean)),
      held AS (SELECT j.id FROM ${jobs} j JOIN i ON i.job_id = j.id
        WHERE j.id = ANY($4::text[]) AND j.locked_by = i.instance_id
        ORDER BY j.id FOR UPDATE OF j),
      inserted AS (INSERT INTO ${runs} (${columns})
        SELECT ${columns} FROM json_populate_recordset(null::${runs}, $2::json) WITH ORDINALITY r
        WHERE ($3::text[])[r.ordinality] IN (SELECT id FROM held) ORDER BY r.ordinality
        ON CONFLICT ON CONSTRAINT runs_occurrence DO NOTHING RETURNING *),
      advanced AS (UPDATE ${jobs} j SET next_run_at = i.next_run_at, run_count = i.run_count,
          enabled = COALESCE(i.enabled, j.enabled), locked_by = NULL, locked_until = NULL
        FROM i WHERE j.id = i.job_id AND j.id = ANY($4::text[]) AND j.id IN (SELECT id FROM held) RETURNING j.id)
      SELECT id AS job_id, NULL::json AS run FROM advanced
      UNION ALL SELECT job_id, to_json(inserted) FROM inserted`;
    this.#pruneRuns = `WITH i AS (SELECT * FROM json_to_recordset($1::json) AS x(job_id text, keep bigint)),
      ranked AS (SELECT id, job_id, row_number() OVER (PARTITION BY job_id ORDER BY scheduled_at DESC, id DESC) AS n
        FROM ${runs} WHERE job_id = ANY($2::text[]) AND NOT ${ACTIVE}),
      locked AS (SELECT id FROM ${runs} WHERE id = ANY(ARRAY(
        SELECT ranked.id FROM ranked JOIN i ON i.job_id = ranked.job_id WHERE ranked.n > i.keep))
        ORDER BY id FOR UPDATE),
      gone AS (DELETE FROM ${runs} WHERE id = ANY(ARRAY(SELECT id FROM locked)) RETURNING job_id)
      SELECT job_id, count(*)::int AS n FROM gone GROUP BY job_id`;
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

  async deleteJob(id: string): Promise<boolean> {
    const deleted = await this.#db.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${this.#runs} WHERE job_id = $1`, [id]);
      return (await tx.query(`DELETE FROM ${this.#jobs} WHERE id = $1`, [id])).rowCount > 0;
    });
    if (deleted) await this.#db.notify('jobs');
    return deleted;
  }

  async nextDueAt(): Promise<Date | null> {
    const { rows } = await this.#db.query(`SELECT MIN(wake_at) AS t FROM ${this.#jobs} WHERE enabled`);
    return toDate(rows[0]?.t);
  }

  async claimDueJobs({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<JobRecord[]> {
    // claim_jobs (schema versions 4-5) leases them with FOR UPDATE SKIP LOCKED, in index order: concurrent
    // claimers pass over rows another is taking; a row taken and committed meanwhile is re-checked against
    // the WHERE clause (its wake_at moved) and dropped. It returns each job as leased.
    const { rows } = await this.#db.query(`SELECT * FROM ${this.#db.schema}.claim_jobs($1, $2, $3, $4)`, [
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
      })),
    );
    const runs = jsonRows(
      runCodec.columns,
      RUN_JSON,
      inputs.flatMap((i) => i.runs.map((run) => runCodec.encode(run, dialect))),
    );
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
      const { rows } = await tx.query(`SELECT locked_by FROM ${this.#jobs} WHERE id = $1 FOR UPDATE`, [
        input.jobId,
      ]);
      if (rows[0]?.locked_by !== input.instanceId) throw leaseLost(input.jobId, input.instanceId);
      const runs: RunRecord[] = [];
      for (const run of input.runs) {
        const result = await tx.query(this.#insertRun, runCodec.encode(run, dialect));
        if (result.rows[0]) runs.push(decodeRun(result.rows[0]));
      }
      await tx.query(
        `UPDATE ${this.#jobs} SET next_run_at = $1, run_count = $2, enabled = COALESCE($3, enabled),
           locked_by = NULL, locked_until = NULL WHERE id = $4`,
        [input.nextRunAt?.getTime() ?? null, input.runCount, input.enabled ?? null, input.jobId],
      );
      return runs;
    });
  }

  insertRun(run: RunRecord): Promise<boolean> {
    return this.#inserts.push<boolean>(run);
  }

  async #insertGroup(group: QueuedWrite<RunRecord>[]): Promise<void> {
    // A clash the statement does not absorb (a run id taken) makes the runs go one by one: only that one fails.
    await writeAsSet(
      group,
      async (runs) => {
        const encoded = jsonRows(
          runCodec.columns,
          RUN_JSON,
          runs.map((run) => runCodec.encode(run, dialect)),
        );
        const { rows } = await this.#db.query(this.#insertRuns, [encoded]);
        return new Set(rows.map((row) => String(row.id)));
      },
      (write, inserted) => write.resolve(inserted.has(write.work.id)),
      async (run) => (await this.#db.query(this.#insertRun, runCodec.encode(run, dialect))).rowCount > 0,
    );
  }

  updateRun(run: RunRecord): Promise<void> {
    return this.#updates.push<void>(run);
  }

  async #updateGroup(group: QueuedWrite<RunRecord>[]): Promise<void> {
    for (const part of distinctParts(group, (run) => run.id)) {
      await writeAsSet(
        part,
        async (runs) => {
          const encoded = jsonRows(
            runCodec.columns,
            RUN_JSON,
            runs.map((run) => runCodec.encode(run, dialect)),
          );
          const ids = runs.map((run) => run.id);
          const { rows } = await this.#db.query(this.#updateRuns, [encoded, ids]);
          return new Set(rows.map((row) => String(row.id)));
        },
        (write, updated) => {
          if (updated.has(write.work.id)) write.resolve(undefined);
          else write.reject(notFound('run', write.work.id));
        },
        (run) => this.#updateOne(run),
      );
    }
  }

  async #updateOne(run: RunRecord): Promise<void> {
    const { values } = without(runCodec.columns, runCodec.encode(run, dialect), RUN_KEY_COLUMNS);
    const sql = `UPDATE ${this.#runs} SET ${setSql(RUN_STATE, ph)} WHERE id = ${ph(values.length)}`;
    if ((await this.#db.query(sql, [...values, run.id])).rowCount === 0) throw notFound('run', run.id);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const { rows } = await this.#db.query(`SELECT * FROM ${this.#runs} WHERE id = $1`, [id]);
    return rows[0] ? decodeRun(rows[0]) : null;
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (value: unknown) => ph(params.push(value) - 1);
    if (options.jobId !== undefined) where.push(`job_id = ${p(options.jobId)}`);
    if (options.statuses !== undefined) where.push(`status = ANY(${p(options.statuses)}::text[])`);
    if (options.before !== undefined) {
      where.push(
        `(scheduled_at, id) < (${p(options.before.scheduledAt.getTime())}, ${p(options.before.id)})`,
      );
    }
    const sql = `SELECT * FROM ${this.#runs} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY scheduled_at DESC, id DESC LIMIT ${p(options.limit ?? 50)}`;
    return (await this.#db.query(sql, params)).rows.map(decodeRun);
  }

  async renewRunLeases({ instanceId, runIds, until }: { instanceId: string; runIds: string[]; until: Date }) {
    await this.#db.query(
      `WITH locked AS (SELECT id FROM ${this.#runs} WHERE id = ANY($3::text[]) ORDER BY id FOR UPDATE)
       UPDATE ${this.#runs} SET locked_until = $1
       WHERE instance_id = $2 AND ${ACTIVE} AND id IN (SELECT id FROM locked)`,
      [until.getTime(), instanceId, runIds],
    );
  }

  async claimExpiredRuns({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<RunRecord[]> {
    const { rows } = await this.#db.query(
      `WITH expired AS (
         SELECT id FROM ${this.#runs} WHERE ${ACTIVE} AND (locked_until IS NULL OR locked_until < $1)
         ORDER BY scheduled_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE ${this.#runs} r SET instance_id = $3, locked_until = $4 FROM expired WHERE r.id = expired.id
       RETURNING r.*`,
      [now.getTime(), limit, instanceId, now.getTime() + leaseMs],
    );
    return rows.map(decodeRun).sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime());
  }

  pruneRuns({ jobId, keep }: { jobId: string; keep: number }): Promise<number> {
    return this.#prunes.push<number>({ jobId, keep: Math.max(0, keep) });
  }

  async #pruneGroup(group: QueuedWrite<{ jobId: string; keep: number }>[]): Promise<void> {
    for (const part of distinctParts(group, (p) => p.jobId)) {
      try {
        const { rows } = await this.#db.query(this.#pruneRuns, [
          JSON.stringify(part.map((w) => ({ job_id: w.work.jobId, keep: w.work.keep }))),
          part.map((w) => w.work.jobId),
        ]);
        const removed = new Map(rows.map((row) => [String(row.job_id), Number(row.n)]));
        for (const write of part) write.resolve(removed.get(write.work.jobId) ?? 0);
      } catch (error) {
        for (const write of part) write.reject(error);
      }
    }
  }
}
