import { beforeAll, expect, it } from 'vitest';
import type { Job } from '../../src/scheduler/types.js';
import { ensureCliBuilt, parseJson, runCli, spawnCli } from '../helpers/cli.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from '../helpers/postgres.js';

beforeAll(ensureCliBuilt);

describePostgres('cronhook on Postgres (--database-url)', () => {
  it('management commands and run share one Postgres schema', async () => {
    const url = await postgresUrl();
    const schema = uniqueSchema('cli');
    const pg = ['--database-url', url, '--schema', schema];
    try {
      const added = await runCli([
        'jobs',
        'add',
        '--id',
        'pg-job',
        '--every',
        '1h',
        '--url',
        'https://example.com/x',
        ...pg,
      ]);
      expect(added.code, added.stderr).toBe(0);
      expect(parseJson<Job[]>(await runCli(['jobs', 'list', '--json', ...pg])).map((j) => j.id)).toEqual([
        'pg-job',
      ]);

      const proc = spawnCli(['run', '--log', 'json', ...pg]);
      await proc.waitForOutput((out) => out.includes('"msg":"cronhook started"'), 15_000);
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
      expect(proc.stdout()).toContain('"jobs":1');
      expect(proc.stdout()).not.toContain(url);
    } finally {
      await dropSchema(schema);
    }
  });

  it('a bad schema name is one line naming the option', async () => {
    const result = await runCli([
      'jobs',
      'list',
      '--database-url',
      await postgresUrl(),
      '--schema',
      'no-dashes',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('schema must be');
  });
});
