import type { Migration } from '../../sql/codec.js';

/**
 * Version 18: a job's runs in flight, newest first, by an index of their own. The overlap gate asks once per
 * occurrence of an `overlap: 'skip'` job whether another run of the job is queued or running (`listRuns` with
 * those statuses). The planner answered it by intersecting runs_job (every run the job keeps) with
 * runs_active, the partial index of all runs in flight, whose entries for every run once in flight stay until
 * vacuum: under load each call read thousands of them (measured: 7,756 for one job's lookup, ~260-330 µs of
 * server time, the largest statement of an occurrence). This index holds a job's runs in flight, in the
 * order `listRuns` returns them; an index scan marks the entries of runs that have ended as dead as it passes.
 */
export function activeRunMigrations(s: string): Migration[] {
  return [
    {
      version: 18,
      name: 'runs in flight by job',
      sql: `
CREATE INDEX runs_job_active ON ${s}.runs (job_id, scheduled_at DESC, id DESC) WHERE status IN ('queued', 'running');
`,
    },
  ];
}
