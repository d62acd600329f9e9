import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, oneLine, runCli } from '../helpers/cli.js';

// The command line itself: every command's --help, and what a mistyped command, flag or argument gets.
// Errors about the database to use are in database-errors.test.ts, a bad config in config-errors.test.ts.

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
});
