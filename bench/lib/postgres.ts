import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findPostgresBin, freePort } from '../../test/setup/postgres-server.js';

const run = promisify(execFile);

export interface BenchPostgres {
  url: string;
  /** The postmaster's process id (its children are the server's other processes). */
  pid: number;
  stop(): Promise<void>;
}

export interface BenchPostgresOptions {
  /** Load `pg_stat_statements` (statement counts and times per query, for the cost measurements). */
  statements?: boolean;
}

/**
 * A throwaway PostgreSQL server for the benchmarks, with the server's default durability (fsync and
 * synchronous commit on, unlike the test server), on a free loopback port. Null when PostgreSQL is not
 * installed; rejects when it does not start (three ports tried). initdb refuses root, so as root the server
 * runs as `nobody`.
 */
export async function startBenchPostgres(config: BenchPostgresOptions = {}): Promise<BenchPostgres | null> {
  const bin = findPostgresBin();
  if (bin === null) return null;
  const dir = mkdtempSync(join(tmpdir(), 'cronhook-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, 65534, 65534);
  const options = { ...(asRoot ? { uid: 65534, gid: 65534 } : {}), env: { ...process.env, LC_ALL: 'C' } };
  const dataDir = join(dir, 'data');
  await run(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'], options);
  // A port the OS says is free, not a random one: a random port in the ephemeral range collided with a client
  // socket once, and the section went unmeasured. It can still be taken between the check and the start: retry.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const settings =
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100` +
      (config.statements
        ? ' -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all'
        : '');
    try {
      await run(
        join(bin, 'pg_ctl'),
        ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', settings, 'start'],
        options,
      );
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid,
    stop: async () => {
      try {
        await run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'], options);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
