import { duplicateJob, leaseLost, notFound } from './errors.js';
import { postgresDialect as dialect, type PgRow, type PostgresDatabase } from './postgres-database.js';
import { jobCodec, runCodec } from './sql/job-rows.js';
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

const decodeJob = (row: PgRow) => jobCodec.decode(row, dialect);
const decodeRun = (row: PgRow) => runCodec.decode(row, dialect);
const toDate = (value: unknown) => (value === null || value === undefined ? null : new Date(Number(value)));
const byDue = (a: PgRow, b: PgRow) =>
  Number(a.due_at) - Number(b.due_at) || (String(a.id) < String(b.id) ? -1 : 1);

/** The scheduler half of `PostgresStorage`: jobs and runs. */
export class PostgresJobs {
  readonly #db: PostgresDatabase;
  readonly #jobs: string;
  readonly #runs: string;
  readonly #insertRun: string;

  constructor(db: PostgresDatabase) {
    this.#db = db;
    this.#jobs = db.tables.jobs;
    this.#runs = db.tables.runs;
    this.#insertRun = `${insertSql(this.#runs, runCodec.columns, ph)}
      ON CONFLICT ON CONSTRAINT runs_occurrence DO NOTHING RETURNING *`;
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
    // SKIP LOCKED: concurrent claimers pass over rows another is taking instead of waiting for them; a row
    // taken and committed meanwhile is re-checked against the WHERE clause (its wake_at moved) and dropped.
    const { rows } = await this.#db.query(
      `WITH due AS (
         SELECT id, wake_at AS due_at FROM ${this.#jobs} WHERE enabled AND wake_at <= $1
         ORDER BY wake_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE ${this.#jobs} j SET locked_by = $3, locked_until = $4 FROM due WHERE j.id = due.id
       RETURNING j.*, due.due_at`,
      [now.getTime(), limit, instanceId, now.getTime() + leaseMs],
    );
    return rows.sort(byDue).map(decodeJob);
  }

  async advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    const inserted = await this.#db.transaction(async (tx) => {
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
    // No NOTIFY here: advancing moves a job later, and every instance already wakes for its own next due job
    // and polls; a notification per advance would wake every instance hundreds of times a second in a burst.
    return inserted;
  }

  async insertRun(run: RunRecord): Promise<boolean> {
    return (await this.#db.query(this.#insertRun, runCodec.encode(run, dialect))).rowCount > 0;
  }

  async updateRun(run: RunRecord): Promise<void> {
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
      `UPDATE ${this.#runs} SET locked_until = $1 WHERE instance_id = $2 AND ${ACTIVE} AND id = ANY($3::text[])`,
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

  async pruneRuns({ jobId, keep }: { jobId: string; keep: number }): Promise<number> {
    const { rowCount } = await this.#db.query(
      `DELETE FROM ${this.#runs} WHERE id IN (
         SELECT id FROM ${this.#runs} WHERE job_id = $1 AND NOT ${ACTIVE}
         ORDER BY scheduled_at DESC, id DESC OFFSET $2)`,
      [jobId, Math.max(0, keep)],
    );
    return rowCount;
  }
}
