import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import tsupConfig from '../tsup.config.js';
import { ensureCliBuilt } from './helpers/cli.js';

// The package as users meet it: every entry point it exports is the one the examples and tests import under the
// same name (tsconfig.json `paths`), built by tsup and documented by typedoc from the same source. (package.json
// names no repository, homepage or issue tracker: the project has no public home yet, and the URLs it had were
// invented. Add them, and a test that they agree, once it has one.)

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  exports: Record<string, { types: string; default: string } | string>;
};

it("maps every 'cronhook…' entry point to the source tsup builds it from and typedoc documents", () => {
  const { compilerOptions } = JSON.parse(read('tsconfig.json')) as {
    compilerOptions: { paths: Record<string, [string]> };
  };
  const typedoc = JSON.parse(read('typedoc.json')) as { entryPoints: string[] };
  const config = (Array.isArray(tsupConfig) ? tsupConfig[0] : tsupConfig) as {
    entry: Record<string, string>;
  };
  const built = new Map(Object.entries(config.entry).map(([out, src]) => [`./dist/${out}.js`, src]));
  const fromExports = Object.entries(pkg.exports)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => {
      const file = typeof target === 'string' ? target : target.default;
      return [subpath === '.' ? 'cronhook' : `cronhook/${subpath.slice(2)}`, `./${built.get(file)}`] as const;
    });
  const mapped = Object.entries(compilerOptions.paths).map(([name, [path]]) => [name, path]);
  expect(Object.fromEntries(fromExports)).toEqual(Object.fromEntries(mapped));
  expect([...typedoc.entryPoints].sort()).toEqual(fromExports.map(([, src]) => src.slice(2)).sort());
});

it('tells Postgres users to install @types/pg, which the declarations of cronhook/storage/postgres refer to', async () => {
  await ensureCliBuilt(); // builds dist when a lone vitest run has none
  expect(read('dist/storage/postgres.d.ts')).toMatch(/from 'pg'/);
  const storageDoc = read('docs/storage.md');
  const section = storageDoc.slice(storageDoc.indexOf('### PostgresStorage'));
  expect(section.slice(0, 600)).toMatch(/npm install --save-dev @types\/pg/);
});
