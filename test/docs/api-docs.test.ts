import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { useTempDir } from '../helpers/test-lifecycle.js';

const root = new URL('../..', import.meta.url).pathname;
const out = useTempDir('api').path;

function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else found.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return found;
}

// typedoc.json sets skipErrorChecking: `npm test` type-checks with tsc before this runs, and typedoc's own full
// check tripled this test's CPU (25.7 s of user CPU against 7.6 s, the same pages but two unions' member order).
it('docs/api is the API reference generated from the current TSDoc (run `npm run docs:api` after API changes)', () => {
  execFileSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out], {
    cwd: root,
    stdio: 'pipe',
  });
  const generated = files(out);
  const committed = files(join(root, 'docs/api'));
  expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
  const stale = [...generated].filter(([path, text]) => committed.get(path) !== text).map(([path]) => path);
  expect(stale).toEqual([]);
}, 120_000);
