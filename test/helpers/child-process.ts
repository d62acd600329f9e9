/**
 * Real child processes for cluster and crash tests: a fixture script under test/fixtures runs in its own
 * Node process (through tsx, so it imports src/ directly), writes one JSON object per stdout line, and can be
 * killed with any signal, SIGKILL included.
 *
 * @example
 * const child = spawnFixture('publisher.ts', [JSON.stringify(config)]);
 * await child.waitFor((m) => m.type === 'ready', 10_000);
 * child.kill('SIGKILL');
 * await child.exited;
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** One JSON line a fixture wrote. */
export type FixtureMessage = { type: string } & Record<string, unknown>;

export interface FixtureProcess {
  readonly process: ChildProcess;
  /** Every JSON line written so far, in order. */
  readonly messages: FixtureMessage[];
  /** Everything written to stderr (for failure messages). */
  stderr(): string;
  /** Resolves with the first message (already received or coming) matching `predicate`. */
  waitFor(predicate: (message: FixtureMessage) => boolean, timeoutMs: number): Promise<FixtureMessage>;
  /** Settles when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `node --import tsx test/fixtures/<name> ...args` in the repository root. */
export function spawnFixture(
  name: string,
  args: string[],
  options: { env?: Record<string, string> } = {},
): FixtureProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `${FIXTURES}${name}`, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const messages: FixtureMessage[] = [];
  const waiters = new Set<{
    predicate: (m: FixtureMessage) => boolean;
    resolve: (m: FixtureMessage) => void;
  }>();
  let stderr = '';
  let partial = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      let message: FixtureMessage;
      try {
        message = JSON.parse(line) as FixtureMessage;
      } catch {
        stderr += `[stdout, not JSON] ${line}\n`;
        continue;
      }
      messages.push(message);
      for (const waiter of waiters) {
        if (waiter.predicate(message)) {
          waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const describe = () => `fixture ${name} (pid ${child.pid})`;
  return {
    process: child,
    messages,
    stderr: () => stderr,
    exited,
    kill: (signal) => {
      if (exit === null) child.kill(signal);
    },
    waitFor(predicate, timeoutMs) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (m: FixtureMessage) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${describe()}: no matching message within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then((e) => {
          if (!waiters.delete(waiter)) return;
          clearTimeout(timer);
          reject(
            new Error(`${describe()} exited (${e.code ?? e.signal}) before the message; stderr:\n${stderr}`),
          );
        });
      });
    },
  };
}
