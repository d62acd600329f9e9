import type { Migration } from '../../sql/codec.js';
import { CLAIMABLE, claimDeliveries } from './leases.js';

/**
 * Version 21: a claim reads the claim index from a floor, the (next_attempt_at, id) of the first delivery the
 * instance's last claim took (postgres/outbox/claim-floor.ts says when it sends none). Each delivered delivery leaves
 * its old entry at the front of the claim index (its outcome writes a row version outside the index's
 * predicate), and only a vacuum removes it: autovacuum looks at most once a minute, and under load tens of
 * thousands of such entries accumulated there, which every claim walked through before reaching a delivery it
 * could take (measured, 60k delivered deliveries: ~1.2-1.5 ms of backend CPU per claim of 32 against ~0.5 ms
 * after a vacuum). From a floor, the index is entered at the floor's key. The function of version 13 (five
 * parameters) stays as it was, for instances of an earlier version during a rolling deploy; a null floor reads
 * from the index's start, as it does.
 */
/**
 * A claim's floor, on delivery `d`: a row comparison the index (next_attempt_at, id) takes as its lower bound,
 * in the index's collation; a null floor compares below every key, so the one generic plan serves both.
 */
export const CLAIM_FLOOR = `(d.next_attempt_at, d.id) >= (COALESCE(p_floor_at, -9223372036854775808), COALESCE(p_floor_id, '') COLLATE "C")`;

export function claimFloorMigrations(s: string): Migration[] {
  const floor = CLAIM_FLOOR;
  return [
    {
      version: 21,
      name: 'claims from a floor',
      sql: claimDeliveries(
        s,
        `${CLAIMABLE} AND ${floor}`,
        'delivery json, due_at bigint, endpoint_key text, message_key text',
        'to_json(x), due.due_at, x.endpoint_id, x.message_id',
        {
          params: ', p_floor_at bigint, p_floor_id text',
          settings: ' SET plan_cache_mode = force_generic_plan',
        },
      ),
    },
  ];
}
