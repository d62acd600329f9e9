import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { discardDeadRuns, discardRunOnSignals, ownRunDir, startedServer } from './leftover-servers.js';
import { findPostgresBin, stopPostgresServer } from './postgres-server.js';

/** What test files learn about Postgres; read it with the helpers in test/helpers/postgres.ts. */
export interface PostgresTestContext {
  /** A server to use as is (`CRONHOOK_TEST_DATABASE_URL`). */
  url: string | null;
  /** Where the first test that needs Postgres starts a server (shared by every test file of the run). */
  stateDir: string | null;
  bin: string | null;
  /** Why Postgres tests are skipped; null when they run. */
  skipReason: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresTestContext;
  }
}

/**
 * Vitest globalSetup. Runs that include no Postgres test should not pay for a server, so none starts here:
 * the first test needing one starts it in `stateDir` (test/helpers/postgres.ts), and this teardown stops it
 * and removes the folder (a signal to this process does too; the servers of runs killed outright are stopped
 * by the next run: leftover-servers.ts). With `CRONHOOK_TEST_DATABASE_URL` that server is used instead.
 * Without Postgres binaries the Postgres tests are skipped, except under CI=true, where the run fails.
 */
export default function setup(project: TestProject): (() => Promise<void>) | undefined {
  const url = process.env.CRONHOOK_TEST_DATABASE_URL;
  if (url) {
    project.provide('postgres', { url, stateDir: null, bin: null, skipReason: null });
    return undefined;
  }
  const bin = findPostgresBin();
  if (bin === null) {
    const skipReason =
      'no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin; ' +
      'install PostgreSQL or set CRONHOOK_TEST_DATABASE_URL';
    if (process.env.CI === 'true') throw new Error(`Postgres tests cannot run under CI=true: ${skipReason}`);
    project.provide('postgres', { url: null, stateDir: null, bin: null, skipReason });
    return undefined;
  }
  const stateDir = mkdtempSync(join(tmpdir(), RUN_PREFIX));
  chmodSync(stateDir, 0o755); // the server's own user must reach its folder inside
  ownRunDir(stateDir);
  discardDeadRuns(bin, tmpdir(), RUN_PREFIX);
  const offSignals = discardRunOnSignals(bin, stateDir);
  project.provide('postgres', { url: null, stateDir, bin, skipReason: null });
  return async () => {
    offSignals();
    const server = startedServer(stateDir);
    if (server !== null) await stopPostgresServer(bin, server, stateDir);
    else rmSync(stateDir, { recursive: true, force: true });
  };
}

/** The folders of test runs' servers, in the system's temp folder. */
const RUN_PREFIX = 'cronhook-pg-';
