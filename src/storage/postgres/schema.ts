import type { Migration } from '../sql/codec.js';

/**
 * First key of the advisory lock that orders changes of an endpoint's `enabled` flag (taken exclusive) against
 * writes that decide whether a delivery is parked (taken shared); the second key is the schema's hash.
 */
export const ENDPOINTS_LOCK = 0x656e_6470; // 'endp'

// Ids use the "C" collation so that ordering and `id > after` paging compare code points, as the other
// adapters do, whatever locale the database was created with. Instants are bigint epoch milliseconds;
// nested values are `json` (kept as written, key order included). wake_at: see sqlite/schema.ts.

/** The migrations, for tables in `schema` (already a quoted identifier). */
export function postgresMigrations(schema: string): Migration[] {
  const s = schema;
  return [
    {
      version: 1,
      name: 'initial',
      sql: `
CREATE TABLE ${s}.jobs (
  id text COLLATE "C" PRIMARY KEY,
  name text,
  schedule json NOT NULL,
  target json NOT NULL,
  retry json NOT NULL,
  overlap text NOT NULL,
  catch_up json NOT NULL,
  success_statuses json,
  jitter_ms bigint NOT NULL,
  start_at bigint,
  end_at bigint,
  max_runs bigint,
  enabled boolean NOT NULL,
  metadata json NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  next_run_at bigint,
  run_count bigint NOT NULL,
  locked_by text,
  locked_until bigint,
  wake_at bigint GENERATED ALWAYS AS (
    CASE WHEN locked_until > next_run_at THEN locked_until ELSE next_run_at END) STORED
);
CREATE INDEX jobs_wake ON ${s}.jobs (wake_at) WHERE enabled;

CREATE TABLE ${s}.runs (
  id text COLLATE "C" PRIMARY KEY,
  job_id text COLLATE "C" NOT NULL,
  occurrence_key text COLLATE "C" NOT NULL,
  triggered_by text NOT NULL,
  scheduled_at bigint NOT NULL,
  status text NOT NULL,
  started_at bigint,
  finished_at bigint,
  duration_ms double precision,
  attempts integer NOT NULL,
  status_code integer,
  error json,
  response_snippet text,
  instance_id text,
  locked_until bigint,
  CONSTRAINT runs_occurrence UNIQUE (job_id, occurrence_key)
);
CREATE INDEX runs_job ON ${s}.runs (job_id, scheduled_at DESC, id DESC);
CREATE INDEX runs_newest ON ${s}.runs (scheduled_at DESC, id DESC);
CREATE INDEX runs_active ON ${s}.runs (locked_until) WHERE status IN ('queued', 'running');

CREATE TABLE ${s}.endpoints (
  id text COLLATE "C" PRIMARY KEY,
  url text NOT NULL,
  description text,
  topics json NOT NULL,
  job_ids json,
  match_filter json,
  headers json NOT NULL,
  auth_header text,
  secrets json NOT NULL,
  enabled boolean NOT NULL,
  disabled_reason text,
  disabled_at bigint,
  failing_since bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX endpoints_created ON ${s}.endpoints (created_at, id);

CREATE TABLE ${s}.messages (
  id text COLLATE "C" PRIMARY KEY,
  topic text NOT NULL,
  body text NOT NULL,
  job_id text,
  created_at bigint NOT NULL
);

CREATE TABLE ${s}.deliveries (
  id text COLLATE "C" PRIMARY KEY,
  message_id text COLLATE "C" NOT NULL,
  endpoint_id text COLLATE "C" NOT NULL,
  topic text NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL,
  next_attempt_at bigint,
  last_attempt_at bigint,
  last_status_code integer,
  last_error json,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  locked_by text,
  locked_until bigint,
  wake_at bigint GENERATED ALWAYS AS (
    CASE WHEN locked_until > next_attempt_at THEN locked_until ELSE next_attempt_at END) STORED
);
CREATE INDEX deliveries_wake ON ${s}.deliveries (wake_at) WHERE status = 'pending';
CREATE INDEX deliveries_newest ON ${s}.deliveries (created_at DESC, id DESC);
CREATE INDEX deliveries_endpoint ON ${s}.deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX deliveries_message ON ${s}.deliveries (message_id);

CREATE TABLE ${s}.attempts (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL,
  delivery_id text COLLATE "C" NOT NULL,
  attempt integer NOT NULL,
  triggered_by text NOT NULL,
  started_at bigint NOT NULL,
  duration_ms double precision NOT NULL,
  status_code integer,
  error json,
  response_headers json NOT NULL,
  response_snippet text
);
CREATE INDEX attempts_delivery ON ${s}.attempts (delivery_id, seq);
`,
    },
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
    {
      // Telemetry: the trace context a message was stored in (each delivery attempt's span links to it, in
      // whichever instance makes it), and whether an endpoint's deliveries carry traceparent/tracestate.
      // insert_messages() is re-created to store the new message columns.
      version: 7,
      name: 'trace context of messages, propagation per endpoint',
      sql: `
ALTER TABLE ${s}.messages ADD COLUMN traceparent text, ADD COLUMN tracestate text;
ALTER TABLE ${s}.endpoints ADD COLUMN propagate_trace_context boolean NOT NULL DEFAULT true;
CREATE OR REPLACE FUNCTION ${s}.insert_messages(p_messages json, p_deliveries json, p_channel text)
  RETURNS void LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(${ENDPOINTS_LOCK}, hashtext('${s}'));
  INSERT INTO ${s}.messages (id, topic, body, job_id, created_at, traceparent, tracestate)
    SELECT id, topic, body, job_id, created_at, traceparent, tracestate
    FROM json_populate_recordset(null::${s}.messages, p_messages);
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
    {
      // Run requests (queued runs no instance holds yet, see Storage.claimRunRequests) in claim order: every
      // instance looks for them when woken, and a scan of all runs in flight would grow with the load.
      version: 8,
      name: 'run requests',
      sql: `
CREATE INDEX runs_requests ON ${s}.runs (scheduled_at, id) WHERE status = 'queued' AND instance_id IS NULL;
`,
    },
    {
      // The dashboard's overview and lists, and telemetry's gauges (stats()): counts read indexes (index-only
      // scans once vacuumed), never the tables. See sqlite/schema.ts, version 7. Deliveries by status only for
      // pending and failed ones: a small index, left alone by the deliveries that succeed (most of them).
      version: 9,
      name: 'indexes for stats and operator lists',
      sql: `
CREATE INDEX jobs_paused ON ${s}.jobs (id) WHERE NOT enabled;
CREATE INDEX runs_recent ON ${s}.runs (scheduled_at, status);
CREATE INDEX runs_failed ON ${s}.runs (scheduled_at, job_id) WHERE status = 'failed';
CREATE INDEX deliveries_status ON ${s}.deliveries (status, created_at DESC, id DESC)
  WHERE status IN ('pending', 'failed');
CREATE INDEX deliveries_failed_endpoint ON ${s}.deliveries (endpoint_id, created_at DESC, id DESC)
  WHERE status = 'failed';
CREATE INDEX messages_job ON ${s}.messages (job_id, created_at DESC) WHERE job_id IS NOT NULL;
`,
    },
  ];
}

export const POSTGRES_SCHEMA_VERSION = 9;
