import type { Migration } from '../../sql/codec.js';

/**
 * Share of a jobs page that inserts fill (the table's `fillfactor`): the rest is room for the row versions
 * a claim's leases write, so they stay on their page (HOT). A claim may lease every job of a page at once (jobs
 * added together, due together). Measured: the first claim of 50 jobs just added, 70 made 39 leases HOT, 50
 * all; 100 handler jobs due every second for 6 s (each advance frees room for the next lease), 100 made 96%
 * HOT, 70 99.5%, 50 100%. The table is about twice as large as packed full.
 */
export const JOBS_FILLFACTOR = 50;

/**
 * Version 15: a job claim's lease writes no index entry, as a delivery claim's since version 12. The claim
 * index was on `wake_at`, a stored column computed from `locked_until`: every lease changed an indexed column,
 * so its row version was never HOT (measured: 0 of ~1,300 job updates in 6 s of 100 jobs due every second)
 * and got an entry in each of the table's indexes, which the advance then did again. Now the claim index is on
 * (next_run_at, id) and a lease is checked on the row (a leased job is passed over until its lease ends);
 * the next wake-up (next_job_at()) is the earliest due time of the jobs not leased, or lease end of those
 * leased before it. `wake_at` stays, no longer indexed: instances of version 14 or before still read it
 * (MIN(wake_at)) during a rolling deploy.
 */
export function jobLeaseMigrations(s: string): Migration[] {
  return [
    {
      version: 15,
      name: 'job leases without index entries',
      sql: `
ALTER TABLE ${s}.jobs SET (fillfactor = ${JOBS_FILLFACTOR});
DROP INDEX ${s}.jobs_due;
CREATE INDEX jobs_due ON ${s}.jobs (next_run_at, id) WHERE enabled;

-- A job is claimable once due and not leased (or its lease over), in (next_run_at, id) order: a job whose
-- lease ran out (its instance died) comes back in its place. FOR UPDATE re-checks the lease on the newest row
-- version, so a job another claim leased meanwhile is passed, as SKIP LOCKED passes one being leased. The
-- UPDATE sets only the lease, on no indexed column: HOT when the page has room.
CREATE OR REPLACE FUNCTION ${s}.claim_jobs(p_now bigint, p_limit integer, p_instance text, p_until bigint)
  RETURNS TABLE (job json, due_at bigint) LANGUAGE plpgsql VOLATILE
  SET enable_sort = off SET enable_seqscan = off AS $fn$
BEGIN
  RETURN QUERY WITH due AS (
    SELECT j.id, j.next_run_at AS due_at FROM ${s}.jobs j
    WHERE j.enabled AND j.next_run_at <= p_now AND (j.locked_until IS NULL OR j.locked_until <= p_now)
    ORDER BY j.next_run_at, j.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
  UPDATE ${s}.jobs x SET locked_by = p_instance, locked_until = p_until FROM due WHERE x.id = due.id
  RETURNING to_json(x), due.due_at;
END
$fn$;

-- When the scheduler next needs to look (what MIN(wake_at) gave): the earliest due time of the enabled jobs
-- not leased past it, and before it the lease ends of those leased (in flight), read in index order.
CREATE FUNCTION ${s}.next_job_at() RETURNS bigint LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_sort = off AS $fn$
DECLARE
  v_free bigint;
BEGIN
  SELECT j.next_run_at INTO v_free FROM ${s}.jobs j
    WHERE j.enabled AND j.next_run_at IS NOT NULL AND (j.locked_until IS NULL OR j.locked_until <= j.next_run_at)
    ORDER BY j.next_run_at, j.id LIMIT 1;
  RETURN LEAST(v_free,
    (SELECT min(j.locked_until) FROM ${s}.jobs j
     WHERE j.enabled AND j.next_run_at < COALESCE(v_free, 9223372036854775807) AND j.locked_until > j.next_run_at));
END
$fn$;`,
    },
  ];
}
