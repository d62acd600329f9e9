import type { Migration } from '../../sql/codec.js';
import { ENDPOINTS_LOCK } from '../outbox/parking.js';

/**
 * Versions 2 to 6: the outbox and the job claims at scale. Retention reads finished deliveries by update
 * time; claims read due items in claim order, through functions that plan with sorting and sequential scans
 * switched off and keep their plans; deliveries to disabled endpoints are parked out of the claim index.
 */
export function claimMigrations(s: string): Migration[] {
  return [
    {
      // Retention (pruneDeliveries) deletes finished deliveries oldest-updated first.
      version: 2,
      name: 'finished deliveries by updated_at',
      sql: `
CREATE INDEX deliveries_finished ON ${s}.deliveries (updated_at, id) WHERE status IN ('succeeded', 'failed');
`,
    },
    {
      // Claims take due items in (wake_at, id) order with a LIMIT and FOR UPDATE SKIP LOCKED. With an index
      // on wake_at alone the planner joined and sorted every due item at every claim (~10 ms for 10k pending
      // deliveries); in claim order it reads just the rows it takes (~0.1 ms).
      version: 3,
      name: 'due jobs and deliveries in claim order',
      sql: `
CREATE INDEX jobs_due ON ${s}.jobs (wake_at, id) WHERE enabled;
DROP INDEX ${s}.jobs_wake;
CREATE INDEX deliveries_due ON ${s}.deliveries (wake_at, id) WHERE status = 'pending';
DROP INDEX ${s}.deliveries_wake;
`,
    },
    {
      // The claims themselves, as functions that plan with sorting switched off: the planner then always reads
      // due items in index order and stops at the limit. Left to itself it sorted every due item whenever its
      // statistics were stale — a table filled faster than autovacuum analyzes it (a burst of messages, a
      // fresh schema) — which cost ~10 ms per claim at 10k pending deliveries against ~0.1 ms.
      version: 4,
      name: 'claims read in index order',
      sql: `
CREATE FUNCTION ${s}.claim_deliveries(p_now bigint, p_limit integer, p_instance text, p_until bigint,
    p_excluded text[])
  RETURNS TABLE (delivery json, due_at bigint) LANGUAGE sql VOLATILE SET enable_sort = off AS $fn$
  WITH due AS (
    SELECT d.id, d.wake_at AS due_at FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
    WHERE d.status = 'pending' AND e.enabled AND d.wake_at <= p_now AND NOT (d.endpoint_id = ANY (p_excluded))
    ORDER BY d.wake_at, d.id LIMIT p_limit FOR UPDATE OF d SKIP LOCKED)
  UPDATE ${s}.deliveries x SET locked_by = p_instance, locked_until = p_until FROM due WHERE x.id = due.id
  RETURNING to_json(x), due.due_at
$fn$;
CREATE FUNCTION ${s}.claim_jobs(p_now bigint, p_limit integer, p_instance text, p_until bigint)
  RETURNS TABLE (job json, due_at bigint) LANGUAGE sql VOLATILE SET enable_sort = off AS $fn$
  WITH due AS (
    SELECT j.id, j.wake_at AS due_at FROM ${s}.jobs j WHERE j.enabled AND j.wake_at <= p_now
    ORDER BY j.wake_at, j.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
  UPDATE ${s}.jobs x SET locked_by = p_instance, locked_until = p_until FROM due WHERE x.id = due.id
  RETURNING to_json(x), due.due_at
$fn$;
`,
    },
    {
      // The same claims in PL/pgSQL, which keeps each statement's plan for the connection's lifetime: a SQL
      // function (not inlinable, because of its SET clause) planned its statement again at every call,
      // nearly half of a claim's server time (0.48 → 0.26 ms per claim of 4 deliveries). A kept plan must
      // stay right as the table grows: one made while the table held a few rows read it whole for every
      // claimed row once it held 100k (the soak's claims took seconds until autovacuum analyzed it), so
      // sequential scans are switched off as sorting is, and every plan goes through the indexes.
      version: 5,
      name: 'claims keep their plans',
      sql: `
CREATE OR REPLACE FUNCTION ${s}.claim_deliveries(p_now bigint, p_limit integer, p_instance text, p_until bigint,
    p_excluded text[])
  RETURNS TABLE (delivery json, due_at bigint) LANGUAGE plpgsql VOLATILE
  SET enable_sort = off SET enable_seqscan = off AS $fn$
BEGIN
  RETURN QUERY WITH due AS (
    SELECT d.id, d.wake_at AS due_at FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
    WHERE d.status = 'pending' AND e.enabled AND d.wake_at <= p_now AND NOT (d.endpoint_id = ANY (p_excluded))
    ORDER BY d.wake_at, d.id LIMIT p_limit FOR UPDATE OF d SKIP LOCKED)
  UPDATE ${s}.deliveries x SET locked_by = p_instance, locked_until = p_until FROM due WHERE x.id = due.id
  RETURNING to_json(x), due.due_at;
END
$fn$;
CREATE OR REPLACE FUNCTION ${s}.claim_jobs(p_now bigint, p_limit integer, p_instance text, p_until bigint)
  RETURNS TABLE (job json, due_at bigint) LANGUAGE plpgsql VOLATILE
  SET enable_sort = off SET enable_seqscan = off AS $fn$
BEGIN
  RETURN QUERY WITH due AS (
    SELECT j.id, j.wake_at AS due_at FROM ${s}.jobs j WHERE j.enabled AND j.wake_at <= p_now
    ORDER BY j.wake_at, j.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
  UPDATE ${s}.jobs x SET locked_by = p_instance, locked_until = p_until FROM due WHERE x.id = due.id
  RETURNING to_json(x), due.due_at;
END
$fn$;
`,
    },
    {
      // Deliveries to a disabled endpoint are parked: out of the claim index until it is enabled again. Before,
      // they stayed at the front of it, and every claim walked past all of them (an endpoint disabled for
      // failing keeps collecting deliveries: 20k of them made each claim take ~27 ms instead of ~0.3 ms).
      // Whether a delivery is parked is decided under the endpoints lock (ENDPOINTS_LOCK): writers that
      // decide it take the lock shared, a change of an endpoint's `enabled` takes it exclusive and re-parks
      // that endpoint's pending deliveries, so no delivery stays parked by a writer that read the endpoint
      // before it was enabled.
      version: 6,
      name: 'deliveries to disabled endpoints parked',
      sql: `
ALTER TABLE ${s}.deliveries ADD COLUMN parked boolean NOT NULL DEFAULT false;
UPDATE ${s}.deliveries d SET parked = true FROM ${s}.endpoints e
  WHERE e.id = d.endpoint_id AND NOT e.enabled AND d.status = 'pending';
CREATE INDEX deliveries_ready ON ${s}.deliveries (wake_at, id) WHERE status = 'pending' AND NOT parked;
DROP INDEX ${s}.deliveries_due;
CREATE OR REPLACE FUNCTION ${s}.claim_deliveries(p_now bigint, p_limit integer, p_instance text, p_until bigint,
    p_excluded text[])
  RETURNS TABLE (delivery json, due_at bigint) LANGUAGE plpgsql VOLATILE
  SET enable_sort = off SET enable_seqscan = off AS $fn$
BEGIN
  RETURN QUERY WITH due AS (
    SELECT d.id, d.wake_at AS due_at FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
    WHERE d.status = 'pending' AND NOT d.parked AND e.enabled AND d.wake_at <= p_now
      AND NOT (d.endpoint_id = ANY (p_excluded))
    ORDER BY d.wake_at, d.id LIMIT p_limit FOR UPDATE OF d SKIP LOCKED)
  UPDATE ${s}.deliveries x SET locked_by = p_instance, locked_until = p_until
  FROM due WHERE x.id = due.id
  RETURNING to_json(x), due.due_at;
END
$fn$;
-- Messages and their deliveries in one call, each delivery parked when its endpoint is disabled. The shared
-- endpoints lock is taken first, so the INSERT's snapshot (a fresh one: the function is VOLATILE) sees the
-- outcome of any change of an endpoint's enabled flag that held the lock before.
CREATE FUNCTION ${s}.insert_messages(p_messages json, p_deliveries json, p_channel text)
  RETURNS void LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(${ENDPOINTS_LOCK}, hashtext('${s}'));
  INSERT INTO ${s}.messages (id, topic, body, job_id, created_at)
    SELECT id, topic, body, job_id, created_at FROM json_populate_recordset(null::${s}.messages, p_messages);
  INSERT INTO ${s}.deliveries (id, message_id, endpoint_id, topic, status, attempts, next_attempt_at,
      last_attempt_at, last_status_code, last_error, created_at, updated_at, locked_by, locked_until, parked)
    SELECT r.id, r.message_id, r.endpoint_id, r.topic, r.status, r.attempts, r.next_attempt_at,
      r.last_attempt_at, r.last_status_code, r.last_error, r.created_at, r.updated_at, r.locked_by,
      r.locked_until, r.status = 'pending' AND e.enabled IS FALSE
    FROM json_populate_recordset(null::${s}.deliveries, p_deliveries) r
      LEFT JOIN ${s}.endpoints e ON e.id = r.endpoint_id;
  IF FOUND THEN PERFORM pg_notify(p_channel, 'deliveries'); END IF;
END
$fn$;
`,
    },
  ];
}
