import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: tsx is resolved from there. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The tsconfig tsx compiles the bench's own TypeScript with in workers: the repository's, without its `paths`,
 * so that `import ... from 'cronhook'` resolves as in a user's app, through the package's `exports` to the
 * built dist/ (`npm run bench` builds it first), not to src/ compiled by tsx on the fly.
 */
export const WORKER_TSCONFIG = fileURLToPath(new URL('../tsconfig.built.json', import.meta.url));

/** Marks the one stdout line a worker reports on, so peers' own console output cannot be mistaken for it. */
export const RESULT_MARKER = '@@bench-result ';

/** What a worker process reported, or why it did not. */
export type ChildOutcome<T> =
  | { status: 'ok'; result: T; wallMs: number }
  | { status: 'oom'; wallMs: number }
  | { status: 'timeout'; wallMs: number }
  | { status: 'error'; wallMs: number; message: string };

export interface RunWorkerOptions {
  /** V8 old-space limit in MiB: a peer that exceeds it is reported as out of memory. @default 2048 */
  maxOldSpaceMb?: number;
  /** Kill the worker after this long. @default 300_000 */
  timeoutMs?: number;
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** Extra environment variables (e.g. `TSX_TSCONFIG_PATH` of the repository's tsconfig, to run src/ instead). */
  env?: Record<string, string>;
}

/** Absolute path of a worker script in bench/workers. */
export function workerPath(name: string): string {
  return fileURLToPath(new URL(`../workers/${name}.ts`, import.meta.url));
}

/**
 * Runs one worker in a fresh Node process (tsx loader for the worker's TypeScript, `--expose-gc`, a 2 GiB heap)
 * with its input as a JSON argument, and parses the JSON it reports. cronhook is the built package (dist/), as
 * the peers are: see {@link WORKER_TSCONFIG}.
 */
export function runWorker<T>(
  name: string,
  input: unknown,
  options: RunWorkerOptions = {},
): Promise<ChildOutcome<T>> {
  const flags = [
    '--import',
    'tsx',
    '--expose-gc',
    `--max-old-space-size=${options.maxOldSpaceMb ?? 2048}`,
    ...(options.nodeFlags ?? []),
  ];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...flags, workerPath(name), JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: ROOT,
      env: { ...process.env, TSX_TSCONFIG_PATH: WORKER_TSCONFIG, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      // Keep the tail only: node-cron can warn once per missed run.
      stderr = (stderr + chunk).slice(-20_000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 300_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code === 0 && line) {
        resolve({ status: 'ok', result: JSON.parse(line.slice(RESULT_MARKER.length)) as T, wallMs });
      } else if (timedOut) {
        resolve({ status: 'timeout', wallMs });
      } else if (/heap out of memory|Allocation failed/i.test(stderr)) {
        resolve({ status: 'oom', wallMs });
      } else {
        const lines = stderr.trim().split('\n');
        const errorLine = lines.find((l) => /Error\b/.test(l));
        const tail = [...(errorLine ? [errorLine.trim()] : []), ...lines.slice(-3)].join(' | ');
        resolve({ status: 'error', wallMs, message: `exit ${code ?? signal}: ${tail}` });
      }
    });
  });
}

/** Worker side: reads the JSON input given by {@link runWorker}. */
export function workerInput<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('worker input (JSON) missing from argv');
  return JSON.parse(raw) as T;
}

/** Worker side: reports the result and exits (peers may keep timers armed). */
export async function report(result: unknown): Promise<never> {
  await new Promise<void>((resolve) => {
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`, () => resolve());
  });
  process.exit(0);
}
