import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../helpers/cli.js';

beforeAll(ensureCliBuilt);

const COMMANDS = [
  'run',
  'jobs list',
  'jobs add',
  'jobs remove',
  'jobs pause',
  'jobs resume',
  'jobs trigger',
  'jobs runs',
  'endpoints list',
  'endpoints add',
  'endpoints remove',
  'endpoints rotate-secret',
  'endpoints ping',
  'deliveries list',
  'deliveries show',
  'deliveries redeliver',
  'encryption new-key',
  'encryption reencrypt',
  'next',
];

/** Exactly one non-empty line on stderr, returned. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('cronhook --help', () => {
  it('lists every command', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const name of COMMANDS) expect(result.stdout).toContain(`  ${name}`);
  });

  it.each(COMMANDS)('%s --help prints its usage and options, exit 0', async (name) => {
    const result = await runCli([...name.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: cronhook ${name}\\b`));
    expect(result.stdout).toContain('--help');
    expect(result.stderr).toBe('');
  });

  it('a group without a subcommand lists its commands and exits 2', async () => {
    const result = await runCli(['jobs']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('jobs trigger <id>');
  });
});

describe('usage errors: one line naming the problem, exit 2', () => {
  it('unknown command', async () => {
    const result = await runCli(['jbos', 'list']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe('cronhook: unknown command "jbos"; see cronhook --help');
  });

  it('unknown subcommand', async () => {
    const result = await runCli(['jobs', 'lsit']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toContain('unknown command "jobs lsit"');
  });

  it('unknown flag', async () => {
    const result = await runCli(['jobs', 'list', '--colour']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe('cronhook: cronhook jobs list: unknown option --colour (see --help)');
  });

  it('flag without its value', async () => {
    const result = await runCli(['jobs', 'list', '--db']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toContain('option --db needs a value');
  });

  it('missing and extra positionals', async () => {
    const missing = await runCli(['jobs', 'pause']);
    expect(missing.code).toBe(2);
    expect(oneLine(missing.stderr)).toContain('missing <id>');
    const extra = await runCli(['next', '* * * * *', 'extra']);
    expect(extra.code).toBe(2);
    expect(oneLine(extra.stderr)).toContain(
      'cronhook next: unexpected argument (2 given, expected "<cron>"; not shown',
    );
  });

  it('a value left unquoted: neither the extra argument nor the JSON around an error is repeated', async () => {
    const unquoted = await runCli([
      ...['jobs', 'add', '--id', 'x', '--every', '5m', '--url', 'https://h.example.com/x'],
      ...['--header', 'X-Api-Key:', 'sk_live_S3CRET'],
    ]);
    expect(unquoted.code).toBe(2);
    expect(oneLine(unquoted.stderr)).toContain(
      'cronhook jobs add: unexpected argument (1 given, expected none; not shown',
    );
    const json = await runCli(['jobs', 'add', '--definition', '{"id": "x", "token": sk_live_S3CRET}']);
    expect(json.code).toBe(2);
    expect(oneLine(json.stderr)).toContain(
      '--definition is not valid JSON: Unexpected token (line 1) (the text',
    );
    for (const result of [unquoted, json]) expect(result.stderr).not.toContain('S3CRET');
  });

  it('bad cron expression names the field and the allowed range', async () => {
    const result = await runCli(['next', '61 * * * *']);
    expect(result.code).toBe(2);
    const line = oneLine(result.stderr);
    expect(line).toContain('minute field "61"');
    expect(line).toContain('0-59');
  });

  it('bad timezone and bad count', async () => {
    const tz = await runCli(['next', '0 3 * * *', '--tz', 'Mars/Olympus']);
    expect(tz.code).toBe(2);
    expect(oneLine(tz.stderr)).toContain('"Mars/Olympus"');
    const n = await runCli(['next', '0 3 * * *', '-n', 'lots']);
    expect(n.code).toBe(2);
    expect(oneLine(n.stderr)).toContain('--count must be a whole number from 1 to 1000, got "lots"');
  });

  it('a management command on a database that does not exist does not create it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cronhook-cli-'));
    const result = await runCli(['jobs', 'list', '--db', 'typo.db'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toContain(`no database at ${join(dir, 'typo.db')}`);
    const again = await runCli(['jobs', 'list', '--db', 'typo.db'], { cwd: dir });
    expect(again.code).toBe(2);
  });

  it('a connection string given as the SQLite file is refused without echoing it, and no file is made', async () => {
    // It would have become folders named after the password (postgres:/user:pw@host/db) and a SQLite database.
    const dir = mkdtempSync(join(tmpdir(), 'cronhook-cli-'));
    const url = 'postgres://user:hunter2@127.0.0.1:1/db';
    const config = join(dir, 'cronhook.config.json');
    writeFileSync(config, JSON.stringify({ db: url }));
    const cases = [
      {
        args: ['jobs', 'list', '--db', url],
        env: {},
        names: '--db is a SQLite file path',
        to: '--database-url',
      },
      { args: ['run', '--db', url], env: {}, names: '--db is a SQLite file path', to: '--database-url' },
      {
        args: ['jobs', 'list'],
        env: { CRONHOOK_DB: url },
        names: 'CRONHOOK_DB is',
        to: 'CRONHOOK_DATABASE_URL',
      },
      {
        args: ['run', '--config', config],
        env: {},
        names: `the config's "db" is`,
        to: `the config's "databaseUrl"`,
      },
    ];
    for (const { args, env, names, to } of cases) {
      const result = await runCli(args, { cwd: dir, env, timeoutMs: 10_000 });
      expect(result.code).toBe(2);
      const line = oneLine(result.stderr);
      expect(line).toContain(`${names}`);
      expect(line).toContain(`a postgres:// connection string goes in ${to} (the value is not shown`);
      expect(line).not.toContain('hunter2');
    }
    expect(readdirSync(dir)).toEqual(['cronhook.config.json']);
  });

  it('a connection string that is not postgres is refused naming where it came from', async () => {
    const result = await runCli(['jobs', 'list'], {
      env: { CRONHOOK_DATABASE_URL: 'mysql://user:hunter2@db/x' },
    });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toContain('CRONHOOK_DATABASE_URL must start with postgres://');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('--database-url that is not a postgres URL is refused without echoing it', async () => {
    const result = await runCli(['jobs', 'list', '--database-url', 'mysql://user:hunter2@db/x']);
    expect(result.code).toBe(2);
    const line = oneLine(result.stderr);
    expect(line).toContain('--database-url must start with postgres://');
    expect(line).not.toContain('hunter2');
  });
});

describe('cronhook run: bad config, one line, exit 1, nothing started', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cronhook-cli-config-'));
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
