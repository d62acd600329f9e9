import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, oneLine, runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/test-lifecycle.js';

// Where the CLI is told to find its database (--db, --database-url, CRONHOOK_DB, CRONHOOK_DATABASE_URL, the
// config): a wrong one is refused in one line, without echoing a credential, and nothing is created.

beforeAll(ensureCliBuilt);
const temp = useTempDir('cli');

describe('usage errors about the database: one line naming the problem, exit 2', () => {
  it('a management command on a database that does not exist does not create it', async () => {
    const dir = temp.folder();
    const result = await runCli(['jobs', 'list', '--db', 'typo.db'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toContain(`no database at ${join(dir, 'typo.db')}`);
    const again = await runCli(['jobs', 'list', '--db', 'typo.db'], { cwd: dir });
    expect(again.code).toBe(2);
  });

  it('a connection string given as the SQLite file is refused without echoing it, and no file is made', async () => {
    // It would have become folders named after the password (postgres:/user:pw@host/db) and a SQLite database.
    const dir = temp.folder();
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
