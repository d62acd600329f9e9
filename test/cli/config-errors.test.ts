import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, oneLine, runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/test-lifecycle.js';

// `cronhook run` with a config it cannot use: one line naming the file, the field and what is allowed,
// never a credential the file holds. loadConfig's own messages are in config.test.ts.

beforeAll(ensureCliBuilt);

describe('cronhook run: bad config, one line, exit 1, nothing started', () => {
  const dir = useTempDir('cli-config').path;
  const write = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return name;
  };
  const run = (config: string) => runCli(['run', '--config', config, '--db', 'x.db'], { cwd: dir });

  it('invalid JSON', async () => {
    const result = await run(write('broken.json', '{ "jobs": [ }'));
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toMatch(
      /^cronhook: config broken\.json: invalid JSON: .* \[ERR_CONFIG\]$/,
    );
  });

  // A config holds credentials, and a token left unquoted is where the parser stops (docs/cli.md).
  const unquotedToken = (head: string) =>
    `${head}{\n  endpoints: [{ url: "https://h.example.com/x", topics: ["*"],\n    authorization: Bearer sk_live_S3CRET123 }],\n};\n`;

  it('an ES module with a syntax error: never the identifier it stumbled on, and how to see where', async () => {
    const result = await run(write('unquoted.mjs', unquotedToken('export default ')));
    expect(result.code).toBe(1);
    const line = oneLine(result.stderr);
    expect(line).toContain('cannot load it: SyntaxError: Unexpected identifier (the text there is not shown');
    expect(line).toContain('`node --check unquoted.mjs` shows where');
    expect(line).not.toMatch(/sk_live|S3CRET/);
  });

  it('a CommonJS or TypeScript syntax error: the line, never the identifier', async () => {
    const cjs = oneLine((await run(write('unquoted.cjs', unquotedToken('module.exports = ')))).stderr);
    expect(cjs).toContain(
      'cannot load it: SyntaxError: Unexpected identifier (line 3) (the text there is not shown',
    );
    const ts = oneLine((await run(write('unquoted.ts', unquotedToken('export default ')))).stderr);
    expect(ts).toMatch(
      /cannot load it: SyntaxError: Expected ',', got \(line 3\) \(the text there is not shown/,
    );
    for (const line of [cjs, ts]) expect(line).not.toMatch(/sk_live|S3CRET|node --check/);
  });

  it('an unquoted value that parses as a name (ReferenceError): the line, never the name', async () => {
    for (const [name, head] of [
      ['secret.mjs', 'export default '],
      ['secret.cjs', 'module.exports = '],
    ] as const) {
      const result = await run(
        write(
          name,
          `${head}{\n  endpoints: [{ url: "https://h.example.com/x", topics: ["*"],\n    secret: whsec_S3CRET123 }],\n};\n`,
        ),
      );
      expect(result.code).toBe(1);
      const line = oneLine(result.stderr);
      expect(line).toContain(
        'cannot load it: ReferenceError: a name that is not defined (line 3), often a value left unquoted',
      );
      expect(line).not.toMatch(/whsec|S3CRET/);
    }
  });

  it('an error the config module throws itself keeps its own message', async () => {
    const result = await run(write('throws.mjs', 'throw new Error("set HOOK_URL first");\n'));
    expect(oneLine(result.stderr)).toContain(
      'config throws.mjs: cannot load it: set HOOK_URL first [ERR_CONFIG]',
    );
  });

  it('an unsupported extension lists every accepted one, the module ones marked as run', async () => {
    const result = await run(write('cronhook.yaml', 'jobs: []'));
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toContain(
      'unsupported extension ".yaml"; use .json (read as data) or a module that is run: .js, .mjs, .cjs, .ts, .mts',
    );
  });

  it('missing file', async () => {
    const result = await run('nope.json');
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toContain('config nope.json: cannot read it (ENOENT)');
  });

  it('unknown top-level key', async () => {
    const result = await run(write('typo.json', JSON.stringify({ job: [] })));
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toContain('unknown key "job"; allowed: db, databaseUrl');
  });

  it('a job with a bad cron expression names the job and the field', async () => {
    const config = {
      jobs: [{ id: 'report', schedule: '0 25 * * *', target: { url: 'https://example.com' } }],
    };
    const result = await run(write('bad-cron.json', JSON.stringify(config)));
    expect(result.code).toBe(1);
    const line = oneLine(result.stderr);
    expect(line).toContain('config bad-cron.json');
    expect(line).toContain('"report"');
    expect(line).toContain('hour field "25"');
  });

  it('an endpoint whose secret variable is not set', async () => {
    const config = { endpoints: [{ url: 'https://example.com/hooks', secretEnv: 'CRONHOOK_TEST_UNSET' }] };
    const result = await run(write('no-secret.json', JSON.stringify(config)));
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toContain('environment variable CRONHOOK_TEST_UNSET is not set');
  });

  it('two entries for one endpoint: the same id, or the same URL without ids', async () => {
    const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    const sameId = {
      endpoints: [
        { id: 'ops', url: 'https://a.example/hooks', secret },
        { id: 'ops', url: 'https://b.example/hooks', secret },
      ],
    };
    const idLine = oneLine((await run(write('same-id.json', JSON.stringify(sameId)))).stderr);
    expect(idLine).toContain('endpoints[1] has the same id as endpoints[0]');
    const sameUrl = {
      endpoints: [
        { url: 'https://a.example', topics: ['job.*'], secret },
        { url: 'https://a.example/', topics: ['webhook.ping'], secret },
      ],
    };
    const urlLine = oneLine((await run(write('same-url.json', JSON.stringify(sameUrl)))).stderr);
    expect(urlLine).toContain('endpoints[1] has the same url as endpoints[0]; give each an "id"');
    const badId = { endpoints: [{ id: 'has space', url: 'https://a.example/hooks', secret }] };
    const result = await run(write('bad-id.json', JSON.stringify(badId)));
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toMatch(
      /config bad-id\.json: id is "has space"; an id is 1–128 characters/,
    );
  });

  it('bad --log value', async () => {
    const result = await runCli(['run', '--log', 'xml', '--db', 'x.db'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toContain('--log must be one of json, pretty, got "xml"');
  });
});
