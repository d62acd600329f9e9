/** What every suite of `npm run bench` is given: the profile, the results it fills in, a log, the Postgres server. */
import type { BenchProfile } from '../config.js';
import type { BenchPostgres } from '../lib/postgres.js';
import type { BenchResults, Outcome } from '../lib/results.js';

export interface SuiteContext {
  profile: BenchProfile;
  /** Filled in by each suite as its measurements finish. */
  results: BenchResults;
  log: (message: string) => void;
  /** The timed suites' server, or null when PostgreSQL is not installed. */
  postgres: BenchPostgres | null;
}

export const NO_POSTGRES = 'PostgreSQL is not installed (/usr/lib/postgresql/<n>/bin)';

/** A one-line summary of a measurement for the log: its figures, or how it ended. */
export function describe<T>(outcome: Outcome<T>, summary: (r: T) => string): string {
  return outcome.status === 'ok' ? summary(outcome.result) : outcome.status;
}

export function notRun() {
  return { status: 'skipped' as const, reason: 'not run (--only)' };
}
