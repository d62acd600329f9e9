import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnFixture } from '../helpers/child-process.js';
import { useTempDir } from '../helpers/test-lifecycle.js';
import { discardDeadRuns } from './leftover-servers.js';
import { findPostgresBin } from './postgres-server.js';

const bin = findPostgresBin();

/** Whether a server answers at `url`. */
async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

// pg_ctl starts the server in a session of its own: a test run that ends without its global teardown would
// leave it running. Each test starts a run's set-up (test/fixtures/postgres-run.ts) in a temp folder of its own.
describe.skipIf(bin === null)('a test run’s Postgres server outlives no run', () => {
  const temp = useTempDir('leftover');
  const postmasters: Array<{ pid: number; stateDir: string }> = [];
  // A failing test may leave its server running, its folder gone: stopped here by its process id, once its
  // command line shows it is that server (SIGQUIT is Postgres' immediate shutdown).
  afterEach(() => {
    for (const { pid, stateDir } of postmasters.splice(0)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stateDir)) process.kill(pid, 'SIGQUIT');
      } catch {
        // Stopped already.
      }
    }
  });

  async function startRun() {
    const root = temp.folder();
    // The server's own user (nobody, when we are root) must reach its folder inside.
    for (const folder of [temp.path, root]) chmodSync(folder, 0o755);
    const run = spawnFixture('postgres-run.ts', [], {
      env: { TMPDIR: root, CRONHOOK_TEST_DATABASE_URL: '' },
    });
    const ready = await run.waitFor((m) => m.type === 'ready', 60_000);
    const stateDir = ready.stateDir as string;
    const url = ready.url as string;
    postmasters.push({ pid: ready.pid as number, stateDir });
    expect(await answers(url)).toBe(true);
    return { root, run, stateDir, url };
  }

  it('a signal to the run stops its server and removes its folder, then ends the run', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const { run, stateDir, url } = await startRun();
      run.kill(signal);
      expect(await run.exited).toEqual({ code: null, signal });
      expect(existsSync(stateDir)).toBe(false);
      expect(await answers(url)).toBe(false);
    }
  });

  it('the next run stops the server of a run killed outright, and leaves live runs alone', async () => {
    const { root, run, stateDir, url } = await startRun();
    run.kill('SIGKILL');
    await run.exited;
    expect(await answers(url)).toBe(true);
    const live = join(root, 'cronhook-pg-live');
    mkdirSync(live);
    writeFileSync(join(live, 'owner'), String(process.pid));
    const unowned = join(root, 'cronhook-pg-unowned');
    mkdirSync(unowned);
    discardDeadRuns(bin!, root, 'cronhook-pg-');
    expect(existsSync(stateDir)).toBe(false);
    expect(await answers(url)).toBe(false);
    expect([existsSync(live), existsSync(unowned)]).toEqual([true, true]);
  });
});
