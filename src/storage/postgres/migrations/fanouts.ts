import type { Migration } from '../../sql/codec.js';
import { ENDPOINTS_LOCK } from '../outbox/parking.js';

/** The base64url digits in ASCII order, as notifier/ids.ts writes a fan-out delivery id's index. */
const DIGITS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

/**
 * Version 11: fan-outs (`Storage.insertFanout`, see ../fanout.ts). A publish stores its message and one
 * `fanouts` row holding the endpoint ids, instead of a delivery row per endpoint; the delivery rows are
 * written later, by the claim that takes them or by a read that needs them, exactly once across instances
 * (the fan-out row is locked and deleted in the transaction that writes them).
 */
export function fanoutMigrations(s: string): Migration[] {
  const digit = (divisor: number) => `substr('${DIGITS}', ((p_index / ${divisor}) % 64)::integer + 1, 1)`;
  return [
    {
      version: 11,
      name: 'fan-outs',
      sql: `
CREATE TABLE ${s}.fanouts (
  message_id text COLLATE "C" PRIMARY KEY,
  topic text NOT NULL,
  endpoint_ids text[] COLLATE "C" NOT NULL,
  next_attempt_at bigint NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX fanouts_due ON ${s}.fanouts (next_attempt_at, message_id);

-- notifier/ids.ts fanoutDeliveryId: 'dlv_', the message id's characters 5 to 22, the index in 4 digits.
CREATE FUNCTION ${s}.fanout_delivery_id(p_message text, p_index bigint) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT 'dlv_' || substr(p_message, 5, 18) || ${digit(262144)} || ${digit(4096)} || ${digit(64)} || ${digit(1)}
$fn$;

-- Writes the delivery rows of the fan-outs of the given messages, which the caller has locked, and deletes
-- the fan-outs. A delivery to an endpoint deleted since the publish is not written (deleteEndpoint deleted its
-- pending deliveries); one to a disabled endpoint is parked, decided under the shared endpoints lock as
-- insert_messages() does. Returns how many of the written deliveries a claim excluding p_excluded can take.
CREATE FUNCTION ${s}.write_fanouts(p_ids text[], p_excluded text[]) RETURNS integer
  LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $fn$
DECLARE
  v_ready integer;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(${ENDPOINTS_LOCK}, hashtext('${s}'));
  WITH written AS (
    INSERT INTO ${s}.deliveries (id, message_id, endpoint_id, topic, status, attempts, next_attempt_at,
        created_at, updated_at, parked)
      SELECT ${s}.fanout_delivery_id(f.message_id, u.i - 1), f.message_id, e.id, f.topic, 'pending', 0,
        f.next_attempt_at, f.created_at, f.created_at, NOT e.enabled
      FROM ${s}.fanouts f CROSS JOIN LATERAL unnest(f.endpoint_ids) WITH ORDINALITY AS u(endpoint_id, i)
        JOIN ${s}.endpoints e ON e.id = u.endpoint_id
      WHERE f.message_id = ANY (p_ids)
      RETURNING endpoint_id, parked)
  SELECT count(*) FILTER (WHERE NOT parked AND NOT (endpoint_id = ANY (p_excluded))) INTO v_ready FROM written;
  DELETE FROM ${s}.fanouts WHERE message_id = ANY (p_ids);
  RETURN v_ready;
END
$fn$;

-- For reads: writes the deliveries of the fan-outs whose message id is from p_from to p_to, and that go to
-- p_endpoint when it is given, waiting for a claim writing one of them to commit (then it is gone). Locks in
-- message id order, so two of these never deadlock. Returns how many fan-outs it wrote.
CREATE FUNCTION ${s}.expand_fanouts(p_from text, p_to text, p_endpoint text) RETURNS integer
  LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $fn$
DECLARE
  v_ids text[];
BEGIN
  SELECT array_agg(f.message_id) INTO v_ids FROM (
    SELECT message_id FROM ${s}.fanouts
    WHERE message_id BETWEEN p_from AND p_to AND (p_endpoint IS NULL OR p_endpoint = ANY (endpoint_ids))
    ORDER BY message_id FOR UPDATE) f;
  IF v_ids IS NULL THEN RETURN 0; END IF;
  PERFORM ${s}.write_fanouts(v_ids, '{}');
  RETURN cardinality(v_ids);
END
$fn$;

-- Attempt results (postgres/completions.ts) and nextDeliveryAt, until now prepared statements, in functions
-- planned with sequential scans and sorting switched off, as the claims are (version 5): delivery rows are now
-- written by claims, so on a fresh schema the table is empty when a connection first plans them, and the plan
-- it kept from then read the whole table at every call once it had grown (~20 ms per group of results at 20k
-- deliveries, until autovacuum's ANALYZE made it plan again).
CREATE FUNCTION ${s}.complete_attempts(p_deliveries json, p_attempts json, p_ids text[])
  RETURNS SETOF text LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $fn$
BEGIN
  RETURN QUERY WITH i AS (SELECT * FROM json_populate_recordset(null::${s}.deliveries, p_deliveries)),
  locked AS (SELECT id FROM ${s}.deliveries WHERE id = ANY (p_ids) ORDER BY id FOR UPDATE),
  updated AS (UPDATE ${s}.deliveries x SET message_id = i.message_id, endpoint_id = i.endpoint_id,
      topic = i.topic, status = i.status, attempts = i.attempts, next_attempt_at = i.next_attempt_at,
      last_attempt_at = i.last_attempt_at, last_status_code = i.last_status_code, last_error = i.last_error,
      created_at = i.created_at, updated_at = i.updated_at, locked_by = i.locked_by, locked_until = i.locked_until
    FROM i WHERE x.id = i.id AND x.id = ANY (p_ids) AND x.id IN (SELECT id FROM locked)
    RETURNING x.id),
  logged AS (INSERT INTO ${s}.attempts (id, delivery_id, attempt, triggered_by, started_at, duration_ms,
      status_code, error, response_headers, response_snippet)
    SELECT a.id, a.delivery_id, a.attempt, a.triggered_by, a.started_at, a.duration_ms, a.status_code, a.error,
      a.response_headers, a.response_snippet
    FROM json_populate_recordset(null::${s}.attempts, p_attempts) WITH ORDINALITY a
    WHERE a.delivery_id IN (SELECT id FROM updated) ORDER BY a.ordinality)
  SELECT updated.id::text FROM updated;
END
$fn$;
CREATE FUNCTION ${s}.next_delivery_at() RETURNS bigint LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_sort = off AS $fn$
BEGIN
  RETURN LEAST(
    (SELECT d.wake_at FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
     WHERE d.status = 'pending' AND NOT d.parked AND e.enabled ORDER BY d.wake_at, d.id LIMIT 1),
    (SELECT f.next_attempt_at FROM ${s}.fanouts f
     WHERE EXISTS (SELECT 1 FROM unnest(f.endpoint_ids) u(id) JOIN ${s}.endpoints e ON e.id = u.id WHERE e.enabled)
     ORDER BY f.next_attempt_at, f.message_id LIMIT 1));
END
$fn$;

-- The claim of version 6, after writing the deliveries of the due fan-outs it may take, oldest due first, SKIP
-- LOCKED (another claim is writing those): those whose first delivery comes before the p_limit-th delivery this
-- claim would take without them (all due ones when there are fewer), in batches, until none is left (each batch
-- may bring that bound earlier). The first batch holds about p_limit deliveries if the fan-outs are as wide as
-- the first; the next ones double, up to p_limit fan-outs. The claim still takes the oldest due deliveries first, and a
-- backlog of fan-outs is written a claim's worth at a time, not all at the first claim.
CREATE OR REPLACE FUNCTION ${s}.claim_deliveries(p_now bigint, p_limit integer, p_instance text, p_until bigint,
    p_excluded text[])
  RETURNS TABLE (delivery json, due_at bigint) LANGUAGE plpgsql VOLATILE
  SET enable_sort = off SET enable_seqscan = off AS $fn$
DECLARE
  v_ids text[];
  v_bound bigint;
  v_bound_id text;
  v_batch integer;
BEGIN
  LOOP
    EXIT WHEN p_limit < 1;
    IF v_batch IS NULL THEN
      SELECT p_limit / GREATEST(cardinality(endpoint_ids), 1) + 1 INTO v_batch FROM ${s}.fanouts WHERE next_attempt_at <= p_now
        ORDER BY next_attempt_at, message_id LIMIT 1;
      EXIT WHEN NOT FOUND;
    ELSE
      v_batch := LEAST(v_batch * 2, p_limit);
    END IF;
    SELECT d.wake_at, d.id INTO v_bound, v_bound_id FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
      WHERE d.status = 'pending' AND NOT d.parked AND e.enabled AND d.wake_at <= p_now
        AND NOT (d.endpoint_id = ANY (p_excluded))
      ORDER BY d.wake_at, d.id OFFSET p_limit - 1 LIMIT 1;
    SELECT array_agg(f.message_id) INTO v_ids FROM (
      SELECT message_id FROM ${s}.fanouts WHERE next_attempt_at <= COALESCE(v_bound, p_now)
        AND (v_bound IS NULL OR next_attempt_at < v_bound OR ${s}.fanout_delivery_id(message_id, 0) < v_bound_id)
      ORDER BY next_attempt_at, message_id LIMIT v_batch FOR UPDATE SKIP LOCKED) f;
    EXIT WHEN v_ids IS NULL;
    PERFORM ${s}.write_fanouts(v_ids, p_excluded);
  END LOOP;
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
`,
    },
  ];
}
