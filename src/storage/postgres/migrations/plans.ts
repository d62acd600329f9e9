import type { Migration } from '../../sql/codec.js';

/**
 * Version 14: the claim's statements on fan-outs are planned once per connection. PL/pgSQL keeps a plan per
 * statement and, after five calls, uses a generic plan only if its estimate is no worse than the plans made
 * for the values at hand: for the claim's batch of due fan-outs (a bound and a batch size that vary at each
 * call) and for write_fanouts' INSERT and DELETE (`= ANY (p_ids)`), it never was, so each call planned them
 * again (measured with pg_stat_statements at 50 endpoints: plans = calls, ~25 us of server time per delivery,
 * ~15% of the server's CPU). Both functions already plan with sequential scans and sorting switched off, so
 * the generic plan reads each table in index order, however large the table was when it was made.
 */
export function planMigrations(s: string): Migration[] {
  return [
    {
      version: 14,
      name: 'generic plans for fan-out claims',
      sql: `
ALTER FUNCTION ${s}.claim_deliveries(bigint, integer, text, bigint, text[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ${s}.write_fanouts(text[], text[]) SET plan_cache_mode = force_generic_plan;`,
    },
  ];
}
