/** loadConfig in-process: what its errors say, and what they never quote. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/config.js';
import { useTempDir } from '../helpers/test-lifecycle.js';

const dir = useTempDir('config').path;
async function refusal(name: string, content: string): Promise<string> {
  writeFileSync(join(dir, name), content);
  const error = await loadConfig(join(dir, name)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'ERR_CONFIG' });
  return (error as Error).message;
}

describe('a config with a syntax error', () => {
  it('JSON: names the line, never the text around the error (an unquoted token would be quoted)', async () => {
    const message = await refusal(
      'unquoted.json',
      '{\n  "jobs": [{ "id": "a", "schedule": "* * * * *",\n    "target": { "url": "https://x.example.com", "headers": { "authorization": Bearer tok_S3CRET123 } } }]\n}\n',
    );
    expect(message).toMatch(/invalid JSON: Unexpected token \(line 3\)/);
    expect(message).not.toMatch(/tok_|S3CRET|Bearer|ization/);
  });

  it('JSON: nothing of an excerpt that spans lines (the end of the value before it)', async () => {
    const message = await refusal(
      'multiline.json',
      '{ "endpoints": [{ "url": "https://x.example.com", "secret": "whsec_S3CRET123",\n  "topics": ["*"], "id": hooks }] }\n',
    );
    expect(message).toMatch(/invalid JSON: Unexpected token \(line 2\)/);
    expect(message).not.toMatch(/S3CRET|hooks|topics|whsec/);
  });

  it('JSON: keeps what a positional error says (it quotes no text)', async () => {
    const message = await refusal('comma.json', '{ "db": "x.db", }');
    expect(message).toContain(
      'Expected double-quoted property name in JSON at position 16 (line 1 column 17)',
    );
  });
});
