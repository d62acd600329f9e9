import type { Migration } from '../../sql/codec.js';

/**
 * The columns of an attempt's outcome (postgres/outbox/completions.ts), in the order of complete_outcomes()'
 * parameters: the delivery's fields an outcome changes, then the attempt's row (attemptCodec's columns).
 */
export const OUTCOME_PARAMS = [
  'p_ids text[]',
  'p_status text[]',
  'p_attempts integer[]',
  'p_next_attempt_at bigint[]',
  'p_last_attempt_at bigint[]',
  'p_last_status_code integer[]',
  'p_last_error json[]',
  'p_updated_at bigint[]',
  'p_attempt_ids text[]',
  'p_attempt_deliveries text[]',
  'p_attempt_numbers integer[]',
  'p_triggers text[]',
  'p_started_at bigint[]',
  'p_durations double precision[]',
  'p_status_codes integer[]',
  'p_errors json[]',
  'p_response_headers json[]',
  'p_snippets text[]',
] as const;

/** A call of complete_outcomes() in `schema` (quoted) with OUTCOME_PARAMS as $1..$18, returning its ids as `id`. */
export function completeOutcomesCall(schema: string): string {
  const params = OUTCOME_PARAMS.map((param, i) => `$${i + 1}::${param.slice(param.indexOf(' ') + 1)}`);
  return `SELECT id FROM ${schema}.complete_outcomes(${params.join(', ')}) AS id`;
}

/**
 * Version 16: attempt results as typed arrays of only the columns an outcome changes. complete_attempts()
 * (version 11) took every column of the delivery and of the attempt as JSON objects, which
 * json_populate_recordset() parses key by key into whole rows; a delivery's message, endpoint, topic and
 * creation time never change, so they are not sent at all now, and the rest goes as one array per column
 * (unnest). Measured on groups of 30 results (alternating calls on one table): ~38 -> ~30 µs of statement
 * time per result, and a third of the bytes sent. The function keeps one generic plan: its statements read by
 * primary key with sequential scans off. complete_attempts() stays for instances of version 15 or before
 * during a rolling deploy.
 */
export function outcomeMigrations(s: string): Migration[] {
  return [
    {
      version: 16,
      name: 'attempt results as typed arrays',
      sql: completeOutcomes(s, 'CREATE', 'lock pass'),
    },
    {
      // The results' rows are no longer locked by a pass of their own before they are updated (a row lock
      // more per result, and a WAL record: measured ~35-38 -> ~31-32 µs of statement time per result, 10.2 ->
      // 9.2 WAL records): the caller sends them sorted by id, and the update reads them in that order (its
      // plan: a nested loop over the arrays, each row by primary key), so it locks them in id order as the
      // lock pass did, and two instances recording results of the same deliveries at once still wait for each
      // other in one order, never in a cycle. (A version 16 instance
      // sends them unsorted: during a rolling deploy two such groups may deadlock, and then each of their
      // results is recorded again on its own, as after any failed group.)
      version: 17,
      name: 'attempt results locked by their update',
      sql: completeOutcomes(s, 'CREATE OR REPLACE', 'caller'),
    },
    {
      // The function sorts the results by id itself, so the order they are locked in no longer depends on
      // the caller: instances of version 16 (which send them unsorted) and of later versions can record
      // results of the same deliveries at once during a rolling deploy without a deadlock. A sort of one
      // group's ids (tens) costs next to nothing against the update; the caller sorts them too, which keeps
      // a version 17 or 18 schema safe (an instance migrates first, so that only happens if migrations are run
      // apart from it).
      version: 19,
      name: 'attempt results sorted by the function',
      sql: completeOutcomes(s, 'CREATE OR REPLACE', 'function'),
    },
    {
      // An attempt row was written into two b-trees, its primary key (seq) and (delivery_id, seq), and is only
      // ever read, listed and deleted by its delivery: the primary key is now (delivery_id, seq), the one index.
      // Measured on results of 30 deliveries each completed once (15,000 results per side, alternating
      // calls): 29.1-38.6 -> 26.8-27.4 µs of statement time and 9.15 -> 8.15 WAL records (1,376 -> 1,309 bytes)
      // per result. The unique index is built with the table locked against writes (attempts are not recorded
      // meanwhile): with many attempts retained, run it at a quiet time.
      version: 20,
      name: 'attempts keyed by their delivery',
      sql: `
CREATE UNIQUE INDEX attempts_by_delivery ON ${s}.attempts (delivery_id, seq);
ALTER TABLE ${s}.attempts DROP CONSTRAINT attempts_pkey,
  ADD CONSTRAINT attempts_pkey PRIMARY KEY USING INDEX attempts_by_delivery;
DROP INDEX ${s}.attempts_delivery;`,
    },
  ];
}

/**
 * complete_outcomes() of version 16 (results locked in id order by a pass of their own), 17 (locked by the
 * update, in the order the caller sends them) or 19 (locked by the update, sorted by id in the function).
 */
function completeOutcomes(s: string, create: string, order: 'lock pass' | 'caller' | 'function'): string {
  const lockFirst = order === 'lock pass';
  const results = `unnest(p_ids, p_status, p_attempts, p_next_attempt_at, p_last_attempt_at, p_last_status_code,
        p_last_error, p_updated_at)
      AS i(id, status, attempts, next_attempt_at, last_attempt_at, last_status_code, last_error, updated_at)`;
  return `
${create} FUNCTION ${s}.complete_outcomes(${OUTCOME_PARAMS.join(', ')})
  RETURNS SETOF text LANGUAGE plpgsql VOLATILE SET enable_seqscan = off SET plan_cache_mode = force_generic_plan
  AS $fn$
BEGIN
  RETURN QUERY WITH ${
    lockFirst
      ? `locked AS (SELECT id FROM ${s}.deliveries WHERE id = ANY (p_ids) ORDER BY id FOR UPDATE),
  `
      : ''
  }updated AS (UPDATE ${s}.deliveries x SET status = i.status, attempts = i.attempts,
      next_attempt_at = i.next_attempt_at, last_attempt_at = i.last_attempt_at,
      last_status_code = i.last_status_code, last_error = i.last_error, updated_at = i.updated_at,
      locked_by = NULL, locked_until = NULL
    FROM ${order === 'function' ? `(SELECT * FROM ${results} ORDER BY i.id COLLATE "C") i` : results}
    WHERE x.id = i.id${lockFirst ? ' AND x.id IN (SELECT id FROM locked)' : ''}
    RETURNING x.id),
  logged AS (INSERT INTO ${s}.attempts (id, delivery_id, attempt, triggered_by, started_at, duration_ms,
      status_code, error, response_headers, response_snippet)
    SELECT a.id, a.delivery_id, a.attempt, a.triggered_by, a.started_at, a.duration_ms, a.status_code, a.error,
      a.response_headers, a.response_snippet
    FROM unnest(p_attempt_ids, p_attempt_deliveries, p_attempt_numbers, p_triggers, p_started_at, p_durations,
        p_status_codes, p_errors, p_response_headers, p_snippets) WITH ORDINALITY
      AS a(id, delivery_id, attempt, triggered_by, started_at, duration_ms, status_code, error, response_headers,
        response_snippet, n)
    WHERE a.delivery_id IN (SELECT id FROM updated) ORDER BY a.n)
  SELECT updated.id::text FROM updated;
END
$fn$;`;
}
