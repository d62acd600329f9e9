import type { Migration } from '../../sql/codec.js';

/**
 * Share of a deliveries page that inserts fill (the table's `fillfactor`): the rest is room for the new row
 * versions that leases write, so they stay on their page (HOT). A claim may lease every row of a page at
 * once (a run of deliveries stored together, or a fan-out's rows written by that claim), before any old
 * version on it can be pruned, and a leased row is larger than a fresh one (its instance id and lease end).
 * Measured (bench/workers/db-cost.ts, 10k deliveries): 40 made 100% of the leases HOT at 1 endpoint and
 * 99.9% at 50; 50 made 94% HOT at 50, 80 made 92% and 63%. The table with its indexes is ~13% larger.
 */
export const DELIVERIES_FILLFACTOR = 40;

/**
 * What makes a delivery `d` (joined to its endpoint `e`) claimable: pending, to an enabled endpoint, due and not
 * leased (or its lease over), its endpoint not excluded. A claim takes the due ones in (next_attempt_at, id)
 * order: a delivery whose lease ran out (its instance died) comes back in its place, before those due since.
 */
export const CLAIMABLE = `d.status = 'pending' AND NOT d.parked AND e.enabled AND d.next_attempt_at <= p_now AND (d.locked_until IS NULL OR d.locked_until <= p_now)
        AND NOT (d.endpoint_id = ANY (p_excluded))`;

/**
 * Version 12: a claim's lease writes no index entry. Until now the claim index was on `wake_at`, a stored
 * column computed from `locked_until`: every lease changed an indexed column, so its row version was never
 * HOT and got an entry in each of the table's eight indexes, which the attempt's outcome then did again.
 * Now the claim index is on (next_attempt_at, id) and a lease is checked on the row (a leased delivery is
 * passed over until its lease ends), `wake_at` is gone, and pages keep room for the lease's row version.
 */
export function leaseMigrations(s: string): Migration[] {
  const ready = `d.status = 'pending' AND NOT d.parked AND e.enabled`;
  const claimable = CLAIMABLE;
  return [
    {
      version: 12,
      name: 'leases without index entries',
      sql: `
ALTER TABLE ${s}.deliveries SET (fillfactor = ${DELIVERIES_FILLFACTOR});
DROP INDEX ${s}.deliveries_ready;
ALTER TABLE ${s}.deliveries DROP COLUMN wake_at;
CREATE INDEX deliveries_ready ON ${s}.deliveries (next_attempt_at, id) WHERE status = 'pending' AND NOT parked;

-- When the notifier next needs to look: the earliest due time, or lease end when later, of the ready
-- deliveries, and of the fan-outs. The index gives deliveries by due time: the first one not leased, and
-- before it the leased ones (those in flight), of which the earliest lease end counts. Those are not joined
-- to their endpoints: a delivery that is not parked goes to an enabled endpoint (parking.ts), and a lookup per
-- delivery in flight cost more than the rest of the call.
CREATE OR REPLACE FUNCTION ${s}.next_delivery_at() RETURNS bigint LANGUAGE plpgsql STABLE
  SET enable_seqscan = off SET enable_sort = off AS $fn$
DECLARE
  v_free bigint;
BEGIN
  SELECT d.next_attempt_at INTO v_free FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
    WHERE ${ready} AND d.next_attempt_at IS NOT NULL
      AND (d.locked_until IS NULL OR d.locked_until <= d.next_attempt_at)
    ORDER BY d.next_attempt_at, d.id LIMIT 1;
  RETURN LEAST(v_free,
    (SELECT min(d.locked_until) FROM ${s}.deliveries d
     WHERE d.status = 'pending' AND NOT d.parked AND d.next_attempt_at < COALESCE(v_free, 9223372036854775807)
       AND d.locked_until > d.next_attempt_at),
    (SELECT f.next_attempt_at FROM ${s}.fanouts f
     WHERE EXISTS (SELECT 1 FROM unnest(f.endpoint_ids) u(id) JOIN ${s}.endpoints e ON e.id = u.id WHERE e.enabled)
     ORDER BY f.next_attempt_at, f.message_id LIMIT 1));
END
$fn$;

-- The claim of version 11 (fan-outs written first, see there), in the new order, which due_at returns (the
-- caller sorts by it). Its UPDATE sets only the lease, on no indexed column: HOT when the page has room.
-- FOR UPDATE re-checks the lease on the newest row version, so a delivery another claim leased meanwhile is
-- passed, as SKIP LOCKED passes one being leased.
${claimDeliveries(s, claimable, 'delivery json, due_at bigint', 'to_json(x), due.due_at')}`,
    },
    {
      version: 13,
      name: 'claims return their keys',
      // Version 12's claim with the delivery's endpoint and message ids as columns of their own: the statement
      // around it (outbox.ts) picks each claimed endpoint and message once by them, which it did by reading
      // them out of the delivery's JSON, up to four parses of it per delivery (~20% of the claim's server time,
      // measured on 32-delivery claims). A function's result columns cannot be replaced: dropped and created
      // in the migration's transaction. Statements of version 12 keep working: they name the columns they read.
      sql: `
DROP FUNCTION ${s}.claim_deliveries(bigint, integer, text, bigint, text[]);
${claimDeliveries(s, claimable, 'delivery json, due_at bigint, endpoint_key text, message_key text', 'to_json(x), due.due_at, x.endpoint_id, x.message_id')}`,
    },
  ];
}

/**
 * The delivery claim of version 12 (see there): `results` are its result columns, `returning` what it returns
 * of each leased row `x` (and of `due`, its due time). `extra` adds parameters and settings (version 21).
 */
export function claimDeliveries(
  s: string,
  claimable: string,
  results: string,
  returning: string,
  extra: { params: string; settings: string } = { params: '', settings: '' },
): string {
  return `CREATE OR REPLACE FUNCTION ${s}.claim_deliveries(p_now bigint, p_limit integer, p_instance text, p_until bigint,
    p_excluded text[]${extra.params})
  RETURNS TABLE (${results}) LANGUAGE plpgsql VOLATILE
  SET enable_sort = off SET enable_seqscan = off${extra.settings} AS $fn$
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
    SELECT d.next_attempt_at, d.id INTO v_bound, v_bound_id FROM ${s}.deliveries d
      JOIN ${s}.endpoints e ON e.id = d.endpoint_id
      WHERE ${claimable}
      ORDER BY d.next_attempt_at, d.id OFFSET p_limit - 1 LIMIT 1;
    SELECT array_agg(f.message_id) INTO v_ids FROM (
      SELECT message_id FROM ${s}.fanouts WHERE next_attempt_at <= COALESCE(v_bound, p_now)
        AND (v_bound IS NULL OR next_attempt_at < v_bound OR ${s}.fanout_delivery_id(message_id, 0) < v_bound_id)
      ORDER BY next_attempt_at, message_id LIMIT v_batch FOR UPDATE SKIP LOCKED) f;
    EXIT WHEN v_ids IS NULL;
    PERFORM ${s}.write_fanouts(v_ids, p_excluded);
  END LOOP;
  RETURN QUERY WITH due AS (
    SELECT d.id, d.next_attempt_at AS due_at FROM ${s}.deliveries d
      JOIN ${s}.endpoints e ON e.id = d.endpoint_id
    WHERE ${claimable}
    ORDER BY d.next_attempt_at, d.id LIMIT p_limit FOR UPDATE OF d SKIP LOCKED)
  UPDATE ${s}.deliveries x SET locked_by = p_instance, locked_until = p_until
  FROM due WHERE x.id = due.id
  RETURNING ${returning};
END
$fn$;
`;
}
