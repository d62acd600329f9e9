import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PostgresServer, serverUser } from './postgres-server.js';

// pg_ctl starts the server in a session of its own, so a run that ends without its global teardown (Ctrl-C,
// a kill) leaves it running, with its folder. A run's folder names its owner (Vitest's main process): a
// signal to the owner stops the server; a run killed outright (SIGKILL) is cleaned up by the next run.

const OWNER = 'owner';
const SERVER = 'server.json';

/** Marks `stateDir` as this process's run: the next runs leave it alone while this process lives. */
export function ownRunDir(stateDir: string): void {
  writeFileSync(join(stateDir, OWNER), String(process.pid));
}

/** The server started for the run in `stateDir` (test/helpers/postgres.ts writes it), or null. */
export function startedServer(stateDir: string): PostgresServer | null {
  const file = join(stateDir, SERVER);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PostgresServer) : null;
}

/** Records the server started for the run in `stateDir`. */
export function recordServer(stateDir: string, server: PostgresServer): void {
  writeFileSync(join(stateDir, SERVER), JSON.stringify(server));
}

/**
 * Stops the run's server at once (no checkpoint: its data is thrown away) and removes `stateDir`. Synchronous,
 * for a signal handler: nothing else of the run goes on meanwhile. A server that is not running is no error.
 */
export function discardRun(bin: string, stateDir: string): void {
  const server = startedServer(stateDir);
  if (server !== null) {
    try {
      execFileSync(join(bin, 'pg_ctl'), ['-D', server.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'], {
        ...serverUser(),
        stdio: 'ignore',
      });
    } catch {
      // Not running (its postmaster.pid names a dead process, or there is none).
    }
  }
  rmSync(stateDir, { recursive: true, force: true });
}

/**
 * On SIGINT, SIGTERM or SIGHUP, discards the run in `stateDir` ({@link discardRun}), then lets the signal
 * end the process as it would have (raised again when no other handler is left to act on it). Returns the
 * function that removes the handlers (the global teardown stops the server itself).
 */
export function discardRunOnSignals(bin: string, stateDir: string): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const off = () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    off();
    discardRun(bin, stateDir);
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return off;
}

/**
 * Discards the runs in folders `root`/`prefix`* whose owner process is gone. A folder without an owner is
 * kept: a run being set up, or one of a version that did not name its owner.
 */
export function discardDeadRuns(bin: string, root: string, prefix: string): void {
  for (const name of readdirSync(root)) {
    if (!name.startsWith(prefix)) continue;
    const stateDir = join(root, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(stateDir, OWNER), 'utf8'));
    } catch {
      continue;
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) discardRun(bin, stateDir);
  }
}

/** Whether process `pid` exists and has not exited (a zombie waiting for its parent has). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ...", the state after the last parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
