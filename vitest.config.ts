import { readFileSync } from 'node:fs';
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
    globalSetup: ['test/setup/global-postgres.ts'],
  },
});
