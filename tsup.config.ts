import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'verify/index': 'src/verify/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/storage': 'src/testing/storage.ts',
    'storage/sqlite': 'src/storage/sqlite/index.ts',
    'storage/postgres': 'src/storage/postgres/index.ts',
    'dashboard/index': 'src/dashboard/index.ts',
    'cli/index': 'src/cli/index.ts',
  },
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
  treeshake: true,
  // Optional peer dependencies, loaded at run time only by what needs them: never bundled.
  external: ['pg', 'vitest', /^@opentelemetry\//],
  // Keep `node:` on imports: `node:sqlite` exists only with the prefix (there is no bare `sqlite` builtin).
  removeNodeProtocol: false,
});
