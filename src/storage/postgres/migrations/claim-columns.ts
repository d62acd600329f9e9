import type { Migration } from '../../sql/codec.js';
import { leasedFanoutClaim } from './leased-fanouts.js';

/**
 * Version 23: a claim returns its deliveries as rows of the deliveries table, not as JSON. Until now each
 * delivery came back made into JSON by to_json() (in the server) and parsed again by the client, with its
 * due time and its endpoint's and message's ids as columns of their own, by which the statement around the
 * claim picked each endpoint's and message's first delivery through two window sorts (in outbox.ts, before version 23).
 * The function of version 22 (seven parameters, returning JSON) stays as it was, for instances of an
 * earlier version during a rolling deploy; this one has its body, under a name of its own (a function's
 * result type cannot change under the same parameters).
 */
export function claimColumnMigrations(s: string): Migration[] {
  return [
    {
      version: 23,
      name: 'claims return rows',
      sql: leasedFanoutClaim(s, {
        name: 'claim_delivery_rows',
        returns: `SETOF ${s}.deliveries`,
        leased: 'x.*',
        written: 'x.*',
        taken: 'w.*',
      }),
    },
  ];
}
