import { isRunActive } from '../../scheduler/types.js';
import { notFound, runLeaseLost } from '../errors.js';
import { insertSql, postgresPlaceholder as ph, setSql, without } from '../sql/codec.js';
import { GroupCommit, type QueuedWrite } from '../sql/group-commit.js';
import { ACTIVE_RUN_SQL as ACTIVE, prunedStatuses, runCodec } from '../sql/job-rows.js';
import type {
  ClaimedRunRequests,
  ClaimOptions,
  ClaimRunRequestsOptions,
  ListRunsOptions,
  PruneRunsInput,
  RunRecord,
} from '../types.js';
import { postgresDialect as dialect, type PgRow, type PgSql, type PostgresDatabase } from './database.js';
import { distinctParts, jsonRows, writeAsSet } from './set-writes.js';

const RUN_KEY_COLUMNS = ['id', 'job_id', 'occurrence_key'];
const RUN_STATE = without(runCodec.columns, runCodec.columns, RUN_KEY_COLUMNS).columns;
/** Run columns stored as JSON. */
const RUN_JSON = new Set(['error']);

/** Runs as one statement parameter, for `json_populate_recordset(null::runs, $n)`. */
export const runRows = (runs: RunRecord[]) =>
  jsonRows(
    runCodec.columns,
    RUN_JSON,
    runs.map((run) => runCodec.encode(run, dialect)),
  );

export const decodeRun = (row: PgRow) => runCodec.decode(row, dialect);

/** Who holds a stored run, and its status: why a fenced `updateRun` wrote nothing. */
interface StoredHolder {
  instanceId: string | null;
  status: string;
}

/** The error of an update that wrote nothing: the run is gone, or no longer the writer's. */
const refusal = (run: RunRecord, stored: StoredHolder | undefined) =>
  stored === undefined ? notFound('run', run.id) : runLeaseLost(run, stored);

/**
 * The runs of `PostgresStorage`'s scheduler half: the run history and the leases of runs in flight. Run
 * writes made together (a scheduler's runs starting and finishing) are group-committed, each kind as one
 * set-based statement: one round trip and one commit for the group instead of one per run.
 */
export class PostgresRuns {
  /** Inserts one run, ignoring a second run of an occurrence; returns the row when inserted. */
  readonly insertOne: string;
  readonly #db: PostgresDatabase;
  readonly #runs: string;
  readonly #insertRuns: string;
  readonly #updateRuns: string;
  readonly #pruneRuns: string;
  readonly #claimRequests: string;
  readonly #activeRuns: PgSql;
  readonly #inserts = new GroupCommit<RunRecord>((group) => this.#insertGroup(group));
  readonly #updates = new GroupCommit<RunRecord>((group) => this.#updateGroup(group));
  readonly #prunes = new GroupCommit<PruneRunsInput>((group) => this.#pruneGroup(group));

  constructor(db: PostgresDatabase) {
    this.#db = db;
    const runs = db.tables.runs;
    this.#runs = runs;
    this.insertOne = `${insertSql(runs, runCodec.columns, ph)}
      ON CONFLICT ON CONSTRAINT runs_occurrence DO NOTHING RETURNING *`;
    const columns = runCodec.columns.join(', ');
    // In call order, so that of two runs of one occurrence in a group the first is kept, as one by one.
    this.#insertRuns = `INSERT INTO ${runs} (${columns})
      SELECT ${columns} FROM json_populate_recordset(null::${runs}, $1::json) WITH ORDINALITY r ORDER BY r.ordinality
      ON CONFLICT ON CONSTRAINT runs_occurrence DO NOTHING RETURNING id`;
    // Every statement that writes several runs locks them first in id order (the `locked` CTE): a group of
    // updates, a lease renewal and a prune over the same runs then queue behind each other instead of
    // deadlocking, which the soak showed with each statement locking in its own scan order.
    // The fence (holder and status) is checked on the rows as locked: FOR UPDATE returns each run's newest
    // version, and nobody changes it until this transaction ends. Checked on `r` instead, the status
    // condition let the planner read `r` through the partial index runs_active, whose entries for every run
    // ever in flight stay until vacuum: each group walked them all (2.5x the statement's time). And `r` has
    // only the join by id: with `r.id = ANY(...)` too, a nested loop probed another index for each run.
    this.#updateRuns = `WITH i AS (SELECT * FROM json_populate_recordset(null::${runs}, $1::json)),
      locked AS (SELECT id, instance_id, status FROM ${runs} WHERE id = ANY($2::text[]) ORDER BY id FOR UPDATE)
      UPDATE ${runs} r SET ${RUN_STATE.map((c) => `${c} = i.${c}`).join(', ')}
      FROM i JOIN locked l ON l.id = i.id
      WHERE r.id = l.id AND l.instance_id IS NOT DISTINCT FROM i.instance_id AND l.${ACTIVE} RETURNING r.id`;
    this.#pruneRuns = `WITH i AS (SELECT job_id, keep, string_to_array(statuses, ',') AS statuses
          FROM json_to_recordset($1::json) AS x(job_id text, keep bigint, statuses text)),
      ranked AS (SELECT r.id, r.job_id, i.keep,
          row_number() OVER (PARTITION BY r.job_id ORDER BY r.scheduled_at DESC, r.id DESC) AS n
        FROM ${runs} r JOIN i ON i.job_id = r.job_id
        WHERE r.job_id = ANY($2::text[]) AND r.status = ANY(i.statuses)),
      locked AS (SELECT id FROM ${runs} WHERE id = ANY(ARRAY(SELECT id FROM ranked WHERE n > keep))
        ORDER BY id FOR UPDATE),
      gone AS (DELETE FROM ${runs} WHERE id = ANY(ARRAY(SELECT id FROM locked)) RETURNING job_id)
      SELECT job_id, count(*)::int AS n FROM gone GROUP BY job_id`;
    // A job's runs in flight, newest first: the overlap gate asks once per occurrence. Prepared, with the
    // statuses in the text as well, so the kept (generic) plan reads runs_job_active (schema version 18):
    // planning it again at every call cost the server ~100 µs, ten times its execution.
    this.#activeRuns = db.statement(`SELECT ${columns} FROM ${runs} WHERE job_id = $1 AND ${ACTIVE}
      AND status = ANY($2::text[]) ORDER BY scheduled_at DESC, id DESC LIMIT $3`);
    // Run requests in claim order (schema version 8 indexes them so), skipping those another instance is
    // taking; the rows are locked before the join decides, so a job's handler is read as it is now.
    this.#claimRequests = `WITH c AS (
        SELECT r.id, r.locked_until <= $1 AS expired FROM ${runs} r JOIN ${db.tables.jobs} j ON j.id = r.job_id
        WHERE r.status = 'queued' AND r.instance_id IS NULL
          AND (r.locked_until <= $1 OR j.target->>'handler' IS NULL OR j.target->>'handler' = ANY($2::text[]))
        ORDER BY r.scheduled_at, r.id LIMIT $3 FOR UPDATE OF r SKIP LOCKED)
      UPDATE ${runs} r SET instance_id = $4, locked_until = $5 FROM c WHERE r.id = c.id
      RETURNING r.*, c.expired`;
  }

  insertRun(run: RunRecord): Promise<boolean> {
    const inserted = this.#inserts.push<boolean>(run);
    if (run.instanceId !== null) return inserted;
    // A run request: every instance is told, so one that can run it takes it at once.
    return inserted.then(async (done) => {
      if (done) await this.#db.notify('jobs');
      return done;
    });
  }

  async #insertGroup(group: QueuedWrite<RunRecord>[]): Promise<void> {
    // A clash the statement does not absorb (a run id taken) makes the runs go one by one: only that one fails.
    await writeAsSet(
      group,
      async (runs) => {
        const { rows } = await this.#db.query(this.#insertRuns, [runRows(runs)]);
        return new Set(rows.map((row) => String(row.id)));
      },
      (write, inserted) => write.resolve(inserted.has(write.work.id)),
      async (run) => (await this.#db.query(this.insertOne, runCodec.encode(run, dialect))).rowCount > 0,
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
          const ids = runs.map((run) => run.id);
          const { rows } = await this.#db.query(this.#updateRuns, [runRows(runs), ids]);
          const updated = new Set(rows.map((row) => String(row.id)));
          // Only when a write was refused (or its run is gone): the stored rows say which.
          const refused =
            rows.length < ids.length ? await this.#refused(ids.filter((id) => !updated.has(id))) : null;
          return { updated, refused };
        },
        (write, { updated, refused }) => {
          if (updated.has(write.work.id)) write.resolve(undefined);
          else write.reject(refusal(write.work, refused?.get(write.work.id)));
        },
        (run) => this.#updateOne(run),
      );
    }
  }

  async #updateOne(run: RunRecord): Promise<void> {
    const { values } = without(runCodec.columns, runCodec.encode(run, dialect), RUN_KEY_COLUMNS);
    const id = ph(values.length);
    const sql = `UPDATE ${this.#runs} SET ${setSql(RUN_STATE, ph)}
      WHERE id = ${id} AND instance_id IS NOT DISTINCT FROM ${ph(values.length + 1)} AND ${ACTIVE}`;
    if ((await this.#db.query(sql, [...values, run.id, run.instanceId])).rowCount > 0) return;
    throw refusal(run, (await this.#refused([run.id])).get(run.id));
  }

  /** The stored holder and status of runs an update did not write (runs that are gone are left out). */
  async #refused(ids: string[]): Promise<Map<string, StoredHolder>> {
    const { rows } = await this.#db.query(
      `SELECT id, instance_id, status FROM ${this.#runs} WHERE id = ANY($1::text[])`,
      [ids],
    );
    const holders = new Map<string, StoredHolder>();
    for (const row of rows) {
      holders.set(String(row.id), {
        instanceId: row.instance_id === null ? null : String(row.instance_id),
        status: String(row.status),
      });
    }
    return holders;
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const { rows } = await this.#db.query(`SELECT * FROM ${this.#runs} WHERE id = $1`, [id]);
    return rows[0] ? decodeRun(rows[0]) : null;
  }

  /** One index probe per job, in one statement. */
  async latestRuns(jobIds: string[]): Promise<RunRecord[]> {
    if (jobIds.length === 0) return [];
    const { rows } = await this.#db.query(
      `SELECT r.* FROM unnest($1::text[]) AS j(id) CROSS JOIN LATERAL (SELECT * FROM ${this.#runs} x
         WHERE x.job_id = j.id ORDER BY x.scheduled_at DESC, x.id DESC LIMIT 1) r`,
      [jobIds],
    );
    return rows.map(decodeRun);
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    const { jobId, statuses, before, limit = 50 } = options;
    if (jobId !== undefined && statuses?.every(isRunActive) && before === undefined) {
      const { rows } = await this.#db.query(this.#activeRuns, [jobId, statuses, limit]);
      return rows.map(decodeRun);
    }
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

  /** Renews the leases of `instanceId`'s runs in flight among `runIds`; resolves with their ids. */
  async renewRunLeases(input: { instanceId: string; runIds: string[]; until: Date }): Promise<string[]> {
    const { instanceId, runIds, until } = input;
    const { rows } = await this.#db.query(
      `WITH locked AS (SELECT id FROM ${this.#runs} WHERE id = ANY($3::text[]) ORDER BY id FOR UPDATE)
       UPDATE ${this.#runs} SET locked_until = $1
       WHERE instance_id = $2 AND ${ACTIVE} AND id IN (SELECT id FROM locked) RETURNING id`,
      [until.getTime(), instanceId, runIds],
    );
    return rows.map((row) => String(row.id));
  }

  async claimExpiredRuns({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<RunRecord[]> {
    const { rows } = await this.#db.query(
      `WITH expired AS (
         SELECT id FROM ${this.#runs} WHERE ${ACTIVE} AND (locked_until IS NULL OR locked_until < $1)
           AND instance_id IS NOT NULL
         ORDER BY scheduled_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE ${this.#runs} r SET instance_id = $3, locked_until = $4 FROM expired WHERE r.id = expired.id
       RETURNING r.*`,
      [now.getTime(), limit, instanceId, now.getTime() + leaseMs],
    );
    return rows.map(decodeRun).sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime());
  }

  /** See `Storage.claimRunRequests`; the handler of a job is read from its stored target. */
  async claimRunRequests({
    now,
    limit,
    instanceId,
    leaseMs,
    handlers,
  }: ClaimRunRequestsOptions): Promise<ClaimedRunRequests> {
    const { rows } = await this.#db.query(this.#claimRequests, [
      now.getTime(),
      handlers,
      limit,
      instanceId,
      now.getTime() + leaseMs,
    ]);
    const claimed: ClaimedRunRequests = { taken: [], expired: [] };
    const oldestFirst = rows.sort(
      (a, b) => Number(a.scheduled_at) - Number(b.scheduled_at) || (String(a.id) < String(b.id) ? -1 : 1),
    );
    for (const row of oldestFirst) (row.expired ? claimed.expired : claimed.taken).push(decodeRun(row));
    return claimed;
  }

  pruneRuns({ jobId, keep, statuses }: PruneRunsInput): Promise<number> {
    return this.#prunes.push<number>({ jobId, keep: Math.max(0, keep), statuses: prunedStatuses(statuses) });
  }

  async #pruneGroup(group: QueuedWrite<PruneRunsInput>[]): Promise<void> {
    for (const part of distinctParts(group, (p) => p.jobId)) {
      try {
        const items = part.map((w) => ({
          job_id: w.work.jobId,
          keep: w.work.keep,
          statuses: (w.work.statuses ?? []).join(','),
        }));
        const { rows } = await this.#db.query(this.#pruneRuns, [
          JSON.stringify(items),
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
