import type { Migration } from '../../sql/codec.js';
import { ENDPOINTS_LOCK } from '../outbox/parking.js';

/**
 * Versions 7 to 10: what operators' tools read and ask for: the trace context of messages (telemetry), run
 * requests (run now from any process), the indexes behind `stats()` and the dashboard's lists, and the
 * failing flag of jobs kept by triggers (`listFailingJobs`).
 */
export function operationsMigrations(s: string): Migration[] {
  return [
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
    {
      // Failing jobs: see sqlite/schema.ts, version 8. Here one trigger call per statement (a group of runs
      // written at once is one statement), which reads the runs that statement finished and flips the jobs
      // whose outcome changed, locking them in id order: two groups finishing runs of the same jobs then
      // queue behind each other instead of deadlocking. Statements that finish no run (leases, starts)
      // find nothing to do.
      version: 10,
      name: 'failing jobs',
      sql: `
ALTER TABLE ${s}.jobs ADD COLUMN failing boolean NOT NULL DEFAULT false;
UPDATE ${s}.jobs j SET failing = true
  WHERE (SELECT r.status FROM ${s}.runs r WHERE r.job_id = j.id AND r.status IN ('succeeded', 'failed')
         ORDER BY r.scheduled_at DESC, r.id DESC LIMIT 1) = 'failed';
CREATE INDEX jobs_failing ON ${s}.jobs (id) WHERE enabled AND failing;
CREATE FUNCTION ${s}.runs_outcome() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  WITH finished AS (
    SELECT DISTINCT ON (job_id) job_id, status = 'failed' AS failing, scheduled_at, id
    FROM changed_runs WHERE status IN ('succeeded', 'failed')
    ORDER BY job_id, scheduled_at DESC, id DESC),
  flips AS (
    SELECT j.id, f.failing FROM finished f JOIN ${s}.jobs j ON j.id = f.job_id
    WHERE j.failing <> f.failing
      AND NOT EXISTS (SELECT 1 FROM ${s}.runs r WHERE r.job_id = f.job_id AND r.status IN ('succeeded', 'failed')
        AND (r.scheduled_at, r.id) > (f.scheduled_at, f.id))
    ORDER BY j.id FOR UPDATE OF j)
  UPDATE ${s}.jobs j SET failing = flips.failing FROM flips WHERE j.id = flips.id;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER runs_outcome_insert AFTER INSERT ON ${s}.runs REFERENCING NEW TABLE AS changed_runs
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.runs_outcome();
CREATE TRIGGER runs_outcome_update AFTER UPDATE ON ${s}.runs REFERENCING NEW TABLE AS changed_runs
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.runs_outcome();
`,
    },
  ];
}
