/**
 * What limits each target cronhook misses, from profiling (`--cpu-prof`, heap snapshots); shown in
 * docs/benchmarks.md next to unmet targets. Keyed by target id (see report.ts).
 */
export const LIMITS: Record<string, string> = {
  'scale-out': 'not measured yet: Postgres storage had not landed when the benchmarks were written.',
  'webhook-postgres': 'not measured: Postgres storage had not landed when the benchmarks were written.',
};
