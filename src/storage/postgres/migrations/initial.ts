import type { Migration } from '../../sql/codec.js';

/** Version 1: the tables and their first indexes, in schema `s` (a quoted identifier). */
export function initialMigrations(s: string): Migration[] {
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
  ];
}
