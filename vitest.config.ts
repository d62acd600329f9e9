import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Examples and their tests import from 'cronhook', 'cronhook/verify', ... as an app does. tsconfig.json maps
// those names to the sources (for tsc, and for tsx: `npm run demo`); the same map serves vitest here, so no
// build is needed on a fresh clone and tests always run the current sources.
const { compilerOptions } = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8')) as {
  compilerOptions: { paths: Record<string, [string]> };
};
const alias = Object.entries(compilerOptions.paths).map(([name, [path]]) => ({
  find: new RegExp(`^${name}$`),
  replacement: fileURLToPath(new URL(path, import.meta.url)),
}));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // A guard against hangs, not a speed check: with two files at a time on a loaded 2-core machine a CLI test
    // of a dozen commands took over 30 s (the browser and `cronhook run` files already asked for 90 s).
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default for `run` is one worker fewer than the cores: ONE test file at a time on a 2-core
    // machine. Many files wait on real I/O (Postgres, child processes, HTTP, Chromium), so a worker per core
    // keeps them busy. Files share the run's one Postgres server (each in schemas of its own; a file that
    // counts what the server does for its connection takes a database of its own: useOwnDatabase) and CLI
    // build safely.
    maxWorkers: Math.max(2, availableParallelism()),
    globalSetup: ['test/setup/global-postgres.ts'],
  },
});
