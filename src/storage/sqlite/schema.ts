import type { Migration } from '../sql/codec.js';

// wake_at is when an item next needs looking at: its due time, or its lease's expiry when that is later
// (see wakeTime in storage/memory/outbox/delivery-entry.ts). Claims and the next-due lookups read it through a partial index.
/**
 * What a run finishing with `succeeded` or `failed` does to its job's `failing` flag (schema version 8), in a
 * trigger: set it to this outcome when it differs, unless a newer run of the job has finished already.
 */
const RUN_OUTCOME = `UPDATE cronhook_jobs SET failing = (NEW.status = 'failed')
    WHERE id = NEW.job_id AND failing <> (NEW.status = 'failed')
      AND NOT EXISTS (SELECT 1 FROM cronhook_runs r WHERE r.job_id = NEW.job_id
        AND r.status IN ('succeeded', 'failed') AND (r.scheduled_at, r.id) > (NEW.scheduled_at, NEW.id));`;

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE cronhook_jobs (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT,
  schedule TEXT NOT NULL,
  target TEXT NOT NULL,
  retry TEXT NOT NULL,
  overlap TEXT NOT NULL,
  catch_up TEXT NOT NULL,
  success_statuses TEXT,
  jitter_ms INTEGER NOT NULL,
  start_at INTEGER,
  end_at INTEGER,
  max_runs INTEGER,
  enabled INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  next_run_at INTEGER,
  run_count INTEGER NOT NULL,
  locked_by TEXT,
  locked_until INTEGER,
  wake_at INTEGER GENERATED ALWAYS AS (
    CASE WHEN locked_until > next_run_at THEN locked_until ELSE next_run_at END) VIRTUAL
) STRICT;
CREATE INDEX cronhook_jobs_wake ON cronhook_jobs (wake_at) WHERE enabled = 1;

CREATE TABLE cronhook_runs (
  id TEXT PRIMARY KEY NOT NULL,
  job_id TEXT NOT NULL,
  occurrence_key TEXT NOT NULL,
  triggered_by TEXT NOT NULL,
  scheduled_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  duration_ms REAL,
  attempts INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_snippet TEXT,
  instance_id TEXT,
  locked_until INTEGER,
  UNIQUE (job_id, occurrence_key)
) STRICT;
CREATE INDEX cronhook_runs_job ON cronhook_runs (job_id, scheduled_at DESC, id DESC);
CREATE INDEX cronhook_runs_newest ON cronhook_runs (scheduled_at DESC, id DESC);
CREATE INDEX cronhook_runs_active ON cronhook_runs (locked_until) WHERE status IN ('queued', 'running');

CREATE TABLE cronhook_endpoints (
  id TEXT PRIMARY KEY NOT NULL,
  url TEXT NOT NULL,
  description TEXT,
  topics TEXT NOT NULL,
  job_ids TEXT,
  match_filter TEXT,
  headers TEXT NOT NULL,
  auth_header TEXT,
  secrets TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  disabled_reason TEXT,
  disabled_at INTEGER,
  failing_since INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX cronhook_endpoints_created ON cronhook_endpoints (created_at, id);

CREATE TABLE cronhook_messages (
  id TEXT PRIMARY KEY NOT NULL,
  topic TEXT NOT NULL,
  body TEXT NOT NULL,
  job_id TEXT,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE cronhook_deliveries (
  id TEXT PRIMARY KEY NOT NULL,
  message_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER,
  last_attempt_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  locked_by TEXT,
  locked_until INTEGER,
  wake_at INTEGER GENERATED ALWAYS AS (
    CASE WHEN locked_until > next_attempt_at THEN locked_until ELSE next_attempt_at END) VIRTUAL
) STRICT;
CREATE INDEX cronhook_deliveries_wake ON cronhook_deliveries (wake_at) WHERE status = 'pending';
CREATE INDEX cronhook_deliveries_newest ON cronhook_deliveries (created_at DESC, id DESC);
CREATE INDEX cronhook_deliveries_endpoint ON cronhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX cronhook_deliveries_message ON cronhook_deliveries (message_id);

CREATE TABLE cronhook_attempts (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  triggered_by TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_headers TEXT NOT NULL,
  response_snippet TEXT
) STRICT;
CREATE INDEX cronhook_attempts_delivery ON cronhook_attempts (delivery_id, seq);
`,
  },
  {
    // Retention (pruneDeliveries) deletes finished deliveries oldest-updated first.
    version: 2,
    name: 'finished deliveries by updated_at',
    sql: `
CREATE INDEX cronhook_deliveries_finished ON cronhook_deliveries (updated_at, id)
  WHERE status IN ('succeeded', 'failed');
`,
  },
  {
    // Claims take due items in (wake_at, id) order with a LIMIT: an index in that order lets them read just
    // the rows they take, where one on wake_at alone sorted every item due at the same instant (a thousand
    // jobs due each second) at every claim. nextDueAt/nextDeliveryAt use it as the old ones.
    version: 3,
    name: 'due jobs and deliveries in claim order',
    sql: `
CREATE INDEX cronhook_jobs_due ON cronhook_jobs (wake_at, id) WHERE enabled = 1;
DROP INDEX cronhook_jobs_wake;
CREATE INDEX cronhook_deliveries_due ON cronhook_deliveries (wake_at, id) WHERE status = 'pending';
DROP INDEX cronhook_deliveries_wake;
`,
  },
  {
    // Deliveries to a disabled endpoint are parked, out of the claim index, until it is enabled again:
    // before, claims walked past all of them (an endpoint disabled for failing keeps collecting deliveries).
    // SQLite has one writer at a time, so each write decides `parked` from the endpoint it sees.
    version: 4,
    name: 'deliveries to disabled endpoints parked',
    sql: `
ALTER TABLE cronhook_deliveries ADD COLUMN parked INTEGER NOT NULL DEFAULT 0;
UPDATE cronhook_deliveries SET parked = 1 WHERE status = 'pending'
  AND endpoint_id IN (SELECT id FROM cronhook_endpoints WHERE enabled = 0);
CREATE INDEX cronhook_deliveries_ready ON cronhook_deliveries (wake_at, id) WHERE status = 'pending' AND parked = 0;
DROP INDEX cronhook_deliveries_due;
`,
  },
  {
    // Telemetry: the trace context a message was stored in (each delivery attempt's span links to it), and
    // whether an endpoint's deliveries carry traceparent/tracestate.
    version: 5,
    name: 'trace context of messages, propagation per endpoint',
    sql: `
ALTER TABLE cronhook_messages ADD COLUMN traceparent TEXT;
ALTER TABLE cronhook_messages ADD COLUMN tracestate TEXT;
ALTER TABLE cronhook_endpoints ADD COLUMN propagate_trace_context INTEGER NOT NULL DEFAULT 1;
`,
  },
  {
    // Run requests (queued runs no instance holds yet, see Storage.claimRunRequests) in claim order: every
    // instance looks for them when woken, and a scan of all runs in flight would grow with the load.
    version: 6,
    name: 'run requests',
    sql: `
CREATE INDEX cronhook_runs_requests ON cronhook_runs (scheduled_at, id) WHERE status = 'queued' AND instance_id IS NULL;
`,
  },
  {
    // The dashboard's overview and lists, and telemetry's gauges (stats()): counts read indexes, never the
    // tables. Jobs are counted from the primary key and the due index, whose rows are the enabled jobs (an
    // index on enabled drew the claim away from that index). Paused jobs: the jobs page's filter. Runs by
    // status and time: one range count per status (a GROUP BY over a time range sorted every run of the
    // day). Failed runs: "failing" jobs. Pending and failed deliveries, newest first (the status filter and
    // the counts): partial indexes, one per status, because SQLite uses a partial index only for a query that
    // names its exact condition, and because one over every status drew retention's prune (status IN
    // ('succeeded', 'failed'), by updated_at) away from its own index. An endpoint's failed deliveries: the
    // replay count and the endpoint + status filter. Messages of a job: the job filter.
    version: 7,
    name: 'indexes for stats and operator lists',
    sql: `
CREATE INDEX cronhook_jobs_paused ON cronhook_jobs (id) WHERE enabled = 0;
CREATE INDEX cronhook_runs_status ON cronhook_runs (status, scheduled_at);
CREATE INDEX cronhook_runs_failed ON cronhook_runs (scheduled_at, job_id) WHERE status = 'failed';
CREATE INDEX cronhook_deliveries_pending ON cronhook_deliveries (created_at DESC, id DESC) WHERE status = 'pending';
CREATE INDEX cronhook_deliveries_failed ON cronhook_deliveries (created_at DESC, id DESC) WHERE status = 'failed';
CREATE INDEX cronhook_deliveries_failed_endpoint ON cronhook_deliveries (endpoint_id, created_at DESC, id DESC)
  WHERE status = 'failed';
CREATE INDEX cronhook_messages_job ON cronhook_messages (job_id, created_at DESC) WHERE job_id IS NOT NULL;
`,
  },
  {
    // Failing jobs (Storage.listFailingJobs, stats().jobs.failing): whether a job's newest run that finished
    // succeeded or failed failed, kept on the job by the database itself, so that every way a run is written
    // keeps it. A run that finishes (an update or an insert with that status) sets it, unless a newer run has
    // finished already; the probe for that newer run is made only when the outcome flips, and the job row is
    // written only then: one primary-key probe per finished run otherwise. Set from the run history here.
    // The partial index holds the failing enabled jobs alone, in id order: the filter's pages and the count.
    version: 8,
    name: 'failing jobs',
    sql: `
ALTER TABLE cronhook_jobs ADD COLUMN failing INTEGER NOT NULL DEFAULT 0;
UPDATE cronhook_jobs SET failing = 1
  WHERE (SELECT r.status FROM cronhook_runs r WHERE r.job_id = cronhook_jobs.id AND r.status IN ('succeeded', 'failed')
         ORDER BY r.scheduled_at DESC, r.id DESC LIMIT 1) = 'failed';
CREATE INDEX cronhook_jobs_failing ON cronhook_jobs (id) WHERE enabled = 1 AND failing = 1;
CREATE TRIGGER cronhook_runs_outcome_insert AFTER INSERT ON cronhook_runs
  WHEN NEW.status IN ('succeeded', 'failed')
BEGIN
  ${RUN_OUTCOME}
END;
CREATE TRIGGER cronhook_runs_outcome_update AFTER UPDATE OF status ON cronhook_runs
  WHEN NEW.status IN ('succeeded', 'failed') AND NEW.status IS NOT OLD.status
BEGIN
  ${RUN_OUTCOME}
END;
`,
  },
  {
    // A published message's fan-out (Storage.insertFanout), kept on its row until the delivery records are
    // written: the endpoint ids in delivery order (a JSON array) and when the deliveries are first due. One
    // row and one index entry per publish however many endpoints, where a record each put ~6 index entries
    // per endpoint on as many pages, each written to the WAL and flushed. Claims (and reads that need the
    // records) write them, in the transaction that clears these columns (see storage/sqlite/fanout.ts); the
    // partial index holds the unwritten fan-outs alone, in claim order, so "none" is one probe.
    version: 9,
    name: 'fan-outs kept on their message until written',
    sql: `
ALTER TABLE cronhook_messages ADD COLUMN fanout TEXT;
ALTER TABLE cronhook_messages ADD COLUMN fanout_due INTEGER;
CREATE INDEX cronhook_messages_fanout ON cronhook_messages (fanout_due, id) WHERE fanout IS NOT NULL;
`,
  },
  {
    // The delivery lists' indexes in ascending order: the lists read them backwards for newest first, as
    // they read a descending one forwards, without sorting. A new delivery's entry then goes at the end of
    // its range instead of at the start: SQLite's page splits keep pages filled from their end full, and
    // left those filled from their start (versions 1 and 7's descending order) about half empty, so twice
    // the pages to change and write to the WAL per record. Measured with 500 records to 50 endpoints per
    // transaction: the per-endpoint, newest and pending indexes ~88% full instead of ~50%, ~14% less WAL
    // and ~8% less CPU per record written.
    version: 10,
    name: 'delivery list indexes in ascending order',
    sql: `
DROP INDEX cronhook_deliveries_newest;
CREATE INDEX cronhook_deliveries_newest ON cronhook_deliveries (created_at, id);
DROP INDEX cronhook_deliveries_endpoint;
CREATE INDEX cronhook_deliveries_endpoint ON cronhook_deliveries (endpoint_id, created_at, id);
DROP INDEX cronhook_deliveries_pending;
CREATE INDEX cronhook_deliveries_pending ON cronhook_deliveries (created_at, id) WHERE status = 'pending';
DROP INDEX cronhook_deliveries_failed;
CREATE INDEX cronhook_deliveries_failed ON cronhook_deliveries (created_at, id) WHERE status = 'failed';
DROP INDEX cronhook_deliveries_failed_endpoint;
CREATE INDEX cronhook_deliveries_failed_endpoint ON cronhook_deliveries (endpoint_id, created_at, id)
  WHERE status = 'failed';
`,
  },
];

export const SQLITE_SCHEMA_VERSION = sqliteMigrations.at(-1)!.version;
