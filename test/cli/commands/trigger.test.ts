import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../../src/scheduler/types.js';
import { ensureCliBuilt, parseJson, runCli, spawnCli } from '../../helpers/cli.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from '../../helpers/postgres.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('cli-trigger');
beforeAll(ensureCliBuilt);

/** A module config whose `greet` handler only `cronhook run` has; its jobs never fall due during a test. */
function serviceDir(): string {
  const dir = temp.folder();
  writeFileSync(
    join(dir, 'cronhook.config.mjs'),
    `export default {
      handlers: { greet: async ({ payload, run }) => ({ hello: payload.name, trigger: run.trigger }) },
      jobs: [{ id: 'greet', schedule: { every: '1d' }, target: { handler: 'greet', payload: { name: 'cli' } } }],
    };`,
  );
  return dir;
}

/** Runs `fn` while `cronhook run` serves the config in `dir` on `database` (flags). */
async function withService<T>(dir: string, database: string[], fn: () => Promise<T>): Promise<T> {
  const service = spawnCli(['run', '--config', 'cronhook.config.mjs', '--instance-id', 'svc', ...database], {
    cwd: dir,
  });
  try {
    await service.waitForOutput((out) => out.includes('cronhook started'), 15_000);
    return await fn();
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
  }
}

describe('cronhook jobs trigger', () => {
  it('has the running service run a handler job, and prints its outcome', async () => {
    const dir = serviceDir();
    const db = ['--db', 'app.db'];
    const result = await withService(dir, db, () =>
      runCli(['jobs', 'trigger', 'greet', '--json', ...db], { cwd: dir }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(parseJson<Run>(result)).toMatchObject({
      jobId: 'greet',
      status: 'succeeded',
      trigger: 'manual',
      instanceId: 'svc',
      responseSnippet: '{"hello":"cli","trigger":"manual"}',
    });
  });

  it('refuses to run a handler job here, and a request no instance takes expires without running', async () => {
    const dir = serviceDir();
    const db = ['--db', 'alone.db'];
    await withService(dir, db, async () => {}); // stores the job, then stops
    const here = await runCli(['jobs', 'trigger', 'greet', '--here', ...db], { cwd: dir });
    expect(here.code).toBe(1);
    expect(here.stderr).toContain('drop --here to have a running instance run it [ERR_HANDLER_NOT_FOUND]');
    expect(parseJson<Run[]>(await runCli(['jobs', 'runs', 'greet', '--json', ...db], { cwd: dir }))).toEqual(
      [],
    );

    const expired = await runCli(['jobs', 'trigger', 'greet', '--timeout', '1s', ...db], { cwd: dir });
    expect(expired.code).toBe(1);
    expect(expired.stdout).toMatch(/^status\s+skipped$/m);
    expect(expired.stdout).toMatch(/^error\s+ERR_REQUEST_EXPIRED: No running instance with handler "greet"/m);

    const usage = await runCli(['jobs', 'trigger', 'greet', '--here', '--no-wait', ...db], { cwd: dir });
    expect(usage.code).toBe(2);
    const badTimeout = await runCli(['jobs', 'trigger', 'greet', '--timeout', '10ms', ...db], { cwd: dir });
    expect(badTimeout.stderr).toContain('--timeout must be a duration from 1s to 1d');
  });

  it('--no-wait leaves the request in the database, for a service that starts within its timeout', async () => {
    const dir = serviceDir();
    const db = ['--db', 'later.db'];
    await withService(dir, db, async () => {});
    const requested = await runCli(
      ['jobs', 'trigger', 'greet', '--no-wait', '--timeout', '1m', '--json', ...db],
      {
        cwd: dir,
      },
    );
    expect(requested.code).toBe(0);
    const run = parseJson<Run>(requested);
    expect(run).toMatchObject({ status: 'queued', instanceId: null });
    const runs = await withService(dir, db, async () => {
      for (;;) {
        const list = parseJson<Run[]>(await runCli(['jobs', 'runs', 'greet', '--json', ...db], { cwd: dir }));
        if (list[0]?.status === 'succeeded') return list;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    expect(runs).toEqual([expect.objectContaining({ id: run.id, instanceId: 'svc', trigger: 'manual' })]);
  });
});

describePostgres('cronhook jobs trigger on Postgres', () => {
  it('has the running service run a handler job, told through LISTEN/NOTIFY', async () => {
    const dir = serviceDir();
    const schema = uniqueSchema('trigger');
    const database = ['--database-url', await postgresUrl(), '--schema', schema];
    try {
      const result = await withService(dir, database, () =>
        runCli(['jobs', 'trigger', 'greet', '--json', ...database], { cwd: dir }),
      );
      expect(result.code, result.stderr).toBe(0);
      expect(parseJson<Run>(result)).toMatchObject({ status: 'succeeded', instanceId: 'svc' });
    } finally {
      await dropSchema(schema);
    }
  });
});
