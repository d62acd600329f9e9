/** The demo's command line: `npm run demo -- [--duration <s>] [--db <file>] [--keep-open | --no-keep-open]`. */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run demo -- [--duration <seconds>] [--db <file>] [--keep-open | --no-keep-open]

  --duration <s>   how long the timeline runs before the summary (default 30); Ctrl-C ends it earlier
  --keep-open      after the summary, keep everything running (dashboard included) until Ctrl-C;
                   the default when stdout is a terminal
  --no-keep-open   end after the summary (the default when stdout is not a terminal: CI, pipes)
  --db <file>      SQLite database file (default .cronhook/demo.db, recreated on each run)
  -h, --help       this help`;

export interface DemoOptions {
  durationMs: number;
  dbPath: string;
  /** Keep the scheduler, notifier, receiver and dashboard running after the summary, until Ctrl-C. */
  keepOpen: boolean;
}

/** Parses `argv`; `interactive` (stdout is a terminal) decides `keepOpen` when neither flag is given. */
export function parseOptions(argv: string[], interactive: boolean): DemoOptions {
  let values: { duration?: string; db?: string; 'keep-open'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        db: { type: 'string' },
        'keep-open': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
      allowNegative: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const seconds = Number(values.duration ?? '30');
  if (!Number.isFinite(seconds) || seconds < 3 || seconds > 3600) {
    fail(`--duration must be a number of seconds from 3 to 3600, got ${JSON.stringify(values.duration)}`);
  }
  return {
    durationMs: seconds * 1000,
    dbPath: resolve(values.db ?? join('.cronhook', 'demo.db')),
    keepOpen: values['keep-open'] ?? interactive,
  };
}

export function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(2);
}
