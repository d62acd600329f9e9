import { insertSql, sqlitePlaceholder as ph, setSql, without } from '../sql/codec.js';
import { ACTIVE_RUN_SQL as ACTIVE, jobCodec, runCodec } from '../sql/job-rows.js';
import { RUN_LIMIT } from './statements.js';

// The statements of `SqliteJobs` (the scheduler's half of SqliteStorage) that are fixed text.

export const INSERT_JOB = `${insertSql('cronhook_jobs', jobCodec.columns, ph)} ON CONFLICT (id) DO NOTHING`;
export const INSERT_RUN = `${insertSql('cronhook_runs', runCodec.columns, ph)} ON CONFLICT (job_id, occurrence_key) DO NOTHING`;
export const LEASE_COLUMNS = ['id', 'locked_by', 'locked_until'];
export const RUN_KEY_COLUMNS = ['id', 'job_id', 'occurrence_key'];
export const JOB_DEFINITION = without(jobCodec.columns, jobCodec.columns, LEASE_COLUMNS).columns;
const RUN_STATE = without(runCodec.columns, runCodec.columns, RUN_KEY_COLUMNS).columns;
/** Fenced: only a run still in flight and held by the writer is written (see `Storage.updateRun`). */
export const UPDATE_RUN = `UPDATE cronhook_runs SET ${setSql(RUN_STATE, ph)}
  WHERE id = ? AND instance_id IS ? AND ${ACTIVE}`;

export const ADVANCE = `UPDATE cronhook_jobs SET next_run_at = ?, run_count = ?, enabled = COALESCE(?, enabled),
  locked_by = NULL, locked_until = NULL WHERE id = ?`;
export const ADVANCE_UPDATED =
  'UPDATE cronhook_jobs SET run_count = ?, locked_by = NULL, locked_until = NULL WHERE id = ?';

// Claims run at every tick: their LIMIT is RUN_LIMIT, so that SQLite does not compile them again at each run.

/** Due jobs in claim order (schema version 3 indexes them so). */
export const CLAIM_JOBS = `SELECT * FROM cronhook_jobs WHERE enabled = 1 AND wake_at <= ? ORDER BY wake_at, id ${RUN_LIMIT}`;
export const LEASE_JOB = 'UPDATE cronhook_jobs SET locked_by = ?, locked_until = ? WHERE id = ?';
export const LEASE_RUN = 'UPDATE cronhook_runs SET instance_id = ?, locked_until = ? WHERE id = ?';
/** Run requests a caller may take, and expired ones (schema version 6 indexes them in this order). */
export const CLAIM_REQUESTS = `SELECT r.*, r.locked_until <= ? AS expired
  FROM cronhook_runs r JOIN cronhook_jobs j ON j.id = r.job_id
  WHERE r.status = 'queued' AND r.instance_id IS NULL
    AND (r.locked_until <= ? OR json_extract(j.target, '$.handler') IS NULL
      OR json_extract(j.target, '$.handler') IN (SELECT value FROM json_each(?)))
  ORDER BY r.scheduled_at, r.id ${RUN_LIMIT}`;
/** Runs in flight whose holder's lease ran out, oldest first. */
export const CLAIM_EXPIRED_RUNS = `SELECT * FROM cronhook_runs WHERE ${ACTIVE} AND (locked_until IS NULL OR locked_until < ?)
    AND instance_id IS NOT NULL
  ORDER BY scheduled_at, id ${RUN_LIMIT}`;
