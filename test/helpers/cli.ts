/**
 * Runs the REAL built `cronhook` binary (dist/cli/index.js) in a child process, as a user would. `npm test`
 * builds first; when dist is missing (a lone `vitest run test/cli`), the first caller builds it once, under
 * a lock so parallel test files do not build over each other.
 *
 * @example
 * const result = await runCli(['jobs', 'list', '--db', dbPath, '--json']);
 * expect(result.code).toBe(0);
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { withDirLock } from './dir-lock.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'cli', 'index.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Builds dist with tsup when dist/cli/index.js is missing. Call from `beforeAll`. */
export async function ensureCliBuilt(): Promise<void> {
  if (existsSync(CLI)) return;
  const lock = join(ROOT, 'node_modules', '.cronhook-build.lock');
  await withDirLock(lock, { timeoutMs: 120_000, pollMs: 200 }, () => {
    if (!existsSync(CLI)) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'tsup', 'dist', 'cli-default.js')], {
        cwd: ROOT,
        stdio: 'ignore',
      });
    }
  });
}

/**
 * Runs `cronhook ...args` to completion. Asynchronous on purpose: a test's own HTTP server must keep
 * answering while the child runs.
 */
export function runCli(
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    timeoutMs?: number;
    /** Written to the command's stdin, which is then closed (closed at once when not given). */
    input?: string;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: options.cwd ?? ROOT,
        env: cleanEnv(options.env),
        timeout: options.timeoutMs ?? 20_000,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input);
  });
}

/** Starts a long-running `cronhook ...args` (e.g. `run`) and collects its output as it comes. */
export function spawnCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForOutput(predicate: (stdout: string) => boolean, timeoutMs: number): Promise<void>;
} {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForOutput(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(out)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(
            `cronhook ${args.join(' ')}: expected output did not come.\nstdout:\n${out}\nstderr:\n${err}`,
          );
        }
        await sleep(50);
      }
    },
  };
}

/** The environment without cronhook's own (and OpenTelemetry's) variables, so a developer's shell cannot change a test. */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.CRONHOOK_DB;
  delete env.CRONHOOK_DATABASE_URL;
  delete env.CRONHOOK_ENCRYPTION_KEYS;
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_')) delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Parses stdout as JSON, with the output in the error when it is not. */
export function parseJson<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** Exactly one non-empty line on stderr, returned: how the CLI reports an error. */
export function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}
