import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

// The README is the package page: what a library user needs comes first (install, quick start, receiving,
// links); the repository's two-command set-up for contributors stays, exactly, below it.

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]!);

it('starts with what a library user needs, and keeps the two-command set-up for contributors below it', () => {
  const at = (heading: string) => headings.indexOf(heading);
  expect(headings.slice(0, 3)).toEqual(['Install', 'Quick start', 'Receiving webhooks']);
  expect(at('Documentation')).toBeGreaterThan(at('Quick start'));
  expect(headings.at(-1)).toBe('Contributing');
  const contributing = readme.slice(readme.indexOf('## Contributing'));
  expect(contributing).toMatch(/^npm install && npm run demo {3}#/m);
  expect(contributing).toMatch(/^npm test {22}#/m);
  expect(readme.slice(0, readme.indexOf('## Contributing'))).not.toMatch(/npm run demo/);
  expect(readme.slice(0, readme.indexOf('## Install'))).toMatch(
    /\[Getting started\]\(docs\/getting-started\.md\)/,
  );
});
