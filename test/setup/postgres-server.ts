import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Folder holding initdb and pg_ctl: the newest /usr/lib/postgresql/<n>/bin, or null when there is none. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : null;
}

/** initdb refuses to run as root: when we are root, the server runs as `nobody`. */
export function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('Running as root, but there is no user nobody');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A loopback port nothing listens on now (the OS picks it; another process could take it before it is used). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

export interface PostgresServer {
  url: string;
  dataDir: string;
  /** The postmaster's process id (its children are the server's other processes). */
  pid: number;
}

export interface PostgresServerOptions {
  /**
   * Keep the server's own durability (fsync, synchronous commit and full-page writes on), as the benchmarks
   * measure it. Tests turn it off: the server's own crash safety is not under test.
   * @default false
   */
  durable?: boolean;
  /** @default 200 */
  maxConnections?: number;
  /**
   * More server settings, `name=value` each.
   * @example ['shared_preload_libraries=pg_stat_statements']
   */
  settings?: readonly string[];
}

/**
 * Starts a throwaway PostgreSQL server in `dir` on a free loopback port, for the tests and the benchmarks.
 * Connect as `postgres` without a password. Rejects when it does not start (three ports tried).
 */
export async function startPostgresServer(
  bin: string,
  dir: string,
  options: PostgresServerOptions = {},
): Promise<PostgresServer> {
  const user = serverUser();
  mkdirSync(dir, { recursive: true });
  if (user) chownSync(dir, user.uid, user.gid);
  const dataDir = join(dir, 'data');
  const runAs = { ...user, env: { ...process.env, LC_ALL: 'C' }, cwd: dir };
  const durable = options.durable ?? false;
  const initdb = ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale'];
  await run(join(bin, 'initdb'), durable ? initdb : [...initdb, '--no-sync'], runAs);
  const settings = [
    'listen_addresses=127.0.0.1',
    ...(durable ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']),
    `max_connections=${options.maxConnections ?? 200}`,
    ...(options.settings ?? []),
  ].map((setting) => `-c ${setting}`);
  // A port the OS says is free, not a random one: a random port in the ephemeral range collided with a client
  // socket once. It can still be taken between the check and the start: then the next one is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const serverArgs = [`-p ${port}`, `-k ${dir}`, ...settings].join(' ');
    try {
      await run(
        join(bin, 'pg_ctl'),
        ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', serverArgs, 'start'],
        runAs,
      );
    } catch (error) {
      if (attempt === 3) throw error;
      continue;
    }
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dataDir, pid };
  }
}

/** Stops the server (fast shutdown: open test connections are cut) and removes its folder. */
export async function stopPostgresServer(bin: string, server: PostgresServer, dir: string): Promise<void> {
  try {
    await run(
      join(bin, 'pg_ctl'),
      ['-D', server.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'],
      serverUser() ?? {},
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
