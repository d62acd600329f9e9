/** Runs the example end to end on the test Postgres server: three processes, one of them killed midway. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describePostgres, postgresUrl } from '../../test/helpers/postgres.js';

const INDEX = fileURLToPath(new URL('./index.ts', import.meta.url));

interface Summary {
  runs: number;
  succeeded: number;
  released: number;
  missed: number;
  interrupted: number;
  occurrences: number;
  duplicateRuns: number;
  executedTwice: number;
  byInstance: Record<string, number>;
  webhooks: { messages: number; rejected: number };
}

describePostgres('examples/postgres-cluster', () => {
  it('runs every occurrence exactly once across instances, through an instance crash', async () => {
    const url = await postgresUrl();
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', INDEX, '--instances', '3', '--duration', '8', '--json'],
          { env: { ...process.env, DATABASE_URL: url }, timeout: 80_000 },
          (error, out, err) =>
            resolve({ code: error ? Number(error.code ?? -1) : 0, stdout: out, stderr: err }),
        );
      },
    );
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Summary;
    expect(summary.duplicateRuns).toBe(0);
    expect(summary.executedTwice).toBe(0);
    // About one occurrence a second over 8 s, minus start-up, and only a lease's worth lost to the crash.
    expect(summary.occurrences).toBeGreaterThanOrEqual(4);
    // Every run succeeded, except those claimed ahead of their time when the instances stopped: stop()
    // releases them for the next start (at most one per instance here, a job due every second).
    expect(summary.released).toBeLessThanOrEqual(3);
    // And the occurrence the killed instance had claimed but not started: newer ones ran before its lease
    // expired, so catch-up records it missed (as it does for the older of two occurrences found due at once,
    // should a claim on a loaded machine fall a second behind).
    expect(summary.missed).toBeLessThanOrEqual(3);
    // And the runs the killed instance had under way: recorded failed (ERR_LEASE_EXPIRED) once taken over, and
    // not run again (one attempt). Mostly none; a few when that instance was slow to finish its runs.
    expect(summary.interrupted).toBeLessThanOrEqual(5);
    expect(summary.succeeded + summary.released + summary.missed + summary.interrupted).toBe(summary.runs);
    expect(Object.keys(summary.byInstance).every((id) => /^instance-[123]$/.test(id))).toBe(true);
    expect(summary.webhooks.rejected).toBe(0);
    expect(summary.webhooks.messages).toBeGreaterThanOrEqual(summary.succeeded - 1);
    // 8 s once the instances are up, starting them (seconds on a loaded machine) and the takeover after the kill.
  }, 90_000);
});
