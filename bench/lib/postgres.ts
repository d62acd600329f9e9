import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findPostgresBin,
  startPostgresServer,
  stopPostgresServer,
} from '../../test/setup/postgres-server.js';

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
 * synchronous commit on, unlike the test server), on a free loopback port (startPostgresServer). Null when
 * PostgreSQL is not installed; rejects when it does not start.
 */
export async function startBenchPostgres(config: BenchPostgresOptions = {}): Promise<BenchPostgres | null> {
  const bin = findPostgresBin();
  if (bin === null) return null;
  const dir = mkdtempSync(join(tmpdir(), 'cronhook-bench-pg-'));
  const server = await startPostgresServer(bin, dir, {
    durable: true,
    maxConnections: 100,
    settings: config.statements
      ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all']
      : [],
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return { url: server.url, pid: server.pid, stop: () => stopPostgresServer(bin, server, dir) };
}
