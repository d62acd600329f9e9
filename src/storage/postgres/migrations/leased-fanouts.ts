import type { Migration } from '../../sql/codec.js';
import { ENDPOINTS_LOCK } from '../outbox/parking.js';
import { CLAIM_FLOOR } from './claim-floor.js';
import { CLAIMABLE } from './leases.js';

/** Above any fan-out delivery's index: `fanout_delivery_id(m, LAST_INDEX)` is the last id message m can have. */
const LAST_INDEX = 64 ** 4 - 1;

/**
 * Version 22: a claim leases the fan-out deliveries it takes as it writes them. Until now it wrote a fan-out's
 * delivery rows (write_fanouts()), then found them again in the claim index with the deliveries stored before,
 * locked them and wrote each one's lease: a row lock and a second row version for every delivery it wrote and
 * took, and a look down the index for the bound that decides which fan-outs to write. Now, in due order:
 * the stored deliveries due before the first fan-out it can take are leased as before; then a batch of due
 * fan-outs is written in one statement, which merges their deliveries with the stored ones due up to the
 * batch's last fan-out (all of them when no fan-out is left) and inserts the ones it takes already leased.
 * A claim still takes the oldest due deliveries first, writes a backlog of fan-outs a claim's worth at a time
 * (none when stored deliveries fill it first), and never writes one twice (fan-outs locked SKIP LOCKED and
 * deleted in its transaction). Deliveries to deleted endpoints are not written, those to disabled ones parked,
 * under the shared endpoints lock, as write_fanouts() does (reads still write fan-outs through it). This is the
 * claim from a floor (version 21, seven parameters); the five-parameter one stays for older instances.
 */
export function leasedFanoutMigrations(s: string): Migration[] {
  return [
    {
      version: 22,
      name: 'fan-out deliveries leased as written',
      sql: leasedFanoutClaim(s, {
        name: 'claim_deliveries',
        returns: 'TABLE (delivery json, due_at bigint, endpoint_key text, message_key text)',
        leased: 'to_json(x), due.due_at, x.endpoint_id, x.message_id',
        written: 'to_json(x) AS delivery, x.next_attempt_at, x.endpoint_id, x.message_id, x.locked_by',
        taken: 'w.delivery, w.next_attempt_at, w.endpoint_id, w.message_id',
      }),
    },
  ];
}

/** What a claim of version 22's body returns (`x` a leased or written delivery row, `due` a stored one's key). */
export interface ClaimResult {
  /** The function's name (its parameters are version 21's seven). */
  name: string;
  /** Its result type (`RETURNS ...`). */
  returns: string;
  /** What the lease of stored deliveries returns of each row `x` (`due.due_at` its due time). */
  leased: string;
  /** What the insert of a fan-out's deliveries returns of each row `x`: `x.locked_by` included, as locked_by. */
  written: string;
  /** What the claim returns of each written row `w` it leased, as `leased` returns a stored one. */
  taken: string;
}

/** The claim of version 22 (see leasedFanoutMigrations), returning `result`. */
export function leasedFanoutClaim(s: string, result: ClaimResult): string {
  // Stored deliveries are read from the claim's floor (version 21); a fan-out's, written by the claim, are new.
  const claimable = `${CLAIMABLE} AND ${CLAIM_FLOOR}`;
  /** The stored deliveries a claim may take, in claim order, locked (`bound` an extra condition). */
  const stored = (bound: string) => `SELECT d.id, d.next_attempt_at AS due_at FROM ${s}.deliveries d
      JOIN ${s}.endpoints e ON e.id = d.endpoint_id
      WHERE ${claimable} AND ${bound}
      ORDER BY d.next_attempt_at, d.id LIMIT v_left FOR UPDATE OF d SKIP LOCKED`;
  const lease = (bound: string) => `RETURN QUERY WITH due AS (${stored(bound)})
    UPDATE ${s}.deliveries x SET locked_by = p_instance, locked_until = p_until
    FROM due WHERE x.id = due.id
    RETURNING ${result.leased};`;
  return `
CREATE OR REPLACE FUNCTION ${s}.${result.name}(p_now bigint, p_limit integer, p_instance text, p_until bigint,
    p_excluded text[], p_floor_at bigint, p_floor_id text)
  RETURNS ${result.returns} LANGUAGE plpgsql VOLATILE
  SET enable_sort = off SET enable_seqscan = off SET plan_cache_mode = force_generic_plan SET jit = off AS $fn$
DECLARE
  v_left integer := p_limit;
  v_first_at bigint;
  v_first_id text;
  v_width integer;
  v_batch integer;
  v_ids text[];
  v_due bigint[];
  v_more boolean;
  v_n integer;
  v_locked boolean := false;
BEGIN
  LOOP
    EXIT WHEN v_left < 1;
    -- The first due fan-out (perhaps being written by another claim: it only bounds what comes before it).
    SELECT next_attempt_at, message_id, GREATEST(cardinality(endpoint_ids), 1)
      INTO v_first_at, v_first_id, v_width FROM ${s}.fanouts
      WHERE next_attempt_at <= p_now ORDER BY next_attempt_at, message_id LIMIT 1;
    IF NOT FOUND THEN
      -- No fan-out due: the stored deliveries due.
      ${lease('true')}
      EXIT;
    END IF;
    -- The stored deliveries due before it.
    ${lease(`(d.next_attempt_at, d.id) < (v_first_at, ${s}.fanout_delivery_id(v_first_id, 0))`)}
    GET DIAGNOSTICS v_n = ROW_COUNT;
    v_left := v_left - v_n;
    EXIT WHEN v_left < 1;
    -- A batch of due fan-outs, as version 11 sized it: about the claim's size if they are as wide as the first,
    -- doubling after that.
    v_batch := CASE WHEN v_batch IS NULL THEN v_left / v_width + 1 ELSE LEAST(v_batch * 2, p_limit) END;
    SELECT array_agg(f.message_id), array_agg(f.next_attempt_at) INTO v_ids, v_due FROM (
      SELECT message_id, next_attempt_at FROM ${s}.fanouts WHERE next_attempt_at <= p_now
      ORDER BY next_attempt_at, message_id LIMIT v_batch FOR UPDATE SKIP LOCKED) f;
    IF v_ids IS NULL THEN
      -- Every due fan-out is being written by other claims.
      ${lease('true')}
      EXIT;
    END IF;
    IF NOT v_locked THEN
      PERFORM pg_advisory_xact_lock_shared(${ENDPOINTS_LOCK}, hashtext('${s}'));
      v_locked := true;
    END IF;
    -- A full batch: more fan-outs may be due after its last one, before stored deliveries due later.
    v_more := cardinality(v_ids) = v_batch;
    RETURN QUERY WITH fresh AS (
      SELECT ${s}.fanout_delivery_id(f.message_id, u.i - 1) AS id, f.message_id, e.id AS endpoint_id, f.topic,
        f.next_attempt_at, f.created_at, NOT e.enabled AS parked, e.enabled AND NOT (e.id = ANY (p_excluded)) AS ready
      FROM ${s}.fanouts f CROSS JOIN LATERAL unnest(f.endpoint_ids) WITH ORDINALITY AS u(endpoint_id, i)
        JOIN ${s}.endpoints e ON e.id = u.endpoint_id
      WHERE f.message_id = ANY (v_ids)),
    due AS (${stored(`(NOT v_more OR (d.next_attempt_at, d.id) <= (v_due[cardinality(v_due)], ${s}.fanout_delivery_id(v_ids[cardinality(v_ids)], ${LAST_INDEX})))`)}),
    taken AS (
      SELECT t.id FROM (SELECT id, next_attempt_at FROM fresh WHERE ready UNION ALL SELECT due.id, due.due_at FROM due) t
      ORDER BY t.next_attempt_at, t.id LIMIT v_left),
    written AS (
      INSERT INTO ${s}.deliveries AS x (id, message_id, endpoint_id, topic, status, attempts, next_attempt_at,
          created_at, updated_at, parked, locked_by, locked_until)
        SELECT f.id, f.message_id, f.endpoint_id, f.topic, 'pending', 0, f.next_attempt_at, f.created_at,
          f.created_at, f.parked, CASE WHEN t.id IS NOT NULL THEN p_instance END,
          CASE WHEN t.id IS NOT NULL THEN p_until END
        FROM fresh f LEFT JOIN taken t ON t.id = f.id
        RETURNING ${result.written}),
    leased AS (
      UPDATE ${s}.deliveries x SET locked_by = p_instance, locked_until = p_until
      FROM due WHERE x.id = due.id AND due.id IN (SELECT id FROM taken)
      RETURNING ${result.leased})
    SELECT ${result.taken} FROM written w WHERE w.locked_by IS NOT NULL
    UNION ALL SELECT * FROM leased;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    v_left := v_left - v_n;
    DELETE FROM ${s}.fanouts WHERE message_id = ANY (v_ids);
    EXIT WHEN NOT v_more;
  END LOOP;
END
$fn$;
`;
}
