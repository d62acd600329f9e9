import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Run } from '../../../src/scheduler/types.js';
import { ensureCliBuilt, parseJson, runCli } from '../../helpers/cli.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('cli-jobs');
let server: TestHttpServer;
let db: string;
const cli = (...args: string[]) => runCli([...args, '--db', db]);

beforeAll(async () => {
  await ensureCliBuilt();
  server = await startHttpServer((req, res) => {
    res
      .writeHead(req.url === '/broken' ? 500 : 200, { 'content-type': 'application/json' })
      .end('{"ok":true}');
  });
  db = temp.file('jobs.db');
});
afterAll(() => server.close());

describe('cronhook jobs', () => {
  it('add, list, pause, resume, remove against one SQLite file', async () => {
    const added = await cli(
      'jobs',
      'add',
      '--id',
      'nightly',
      '--cron',
      '0 3 * * *',
      '--tz',
      'Europe/Berlin',
      '--url',
      'https://example.com/report',
      '--attempts',
      '3',
      '--json',
    );
    expect(added.code).toBe(0);
    expect(parseJson<Job>(added)).toMatchObject({
      id: 'nightly',
      schedule: { kind: 'cron', cron: '0 3 * * *', timezone: 'Europe/Berlin' },
      retry: { attempts: 3 },
      enabled: true,
    });

    const table = await cli('jobs', 'list');
    expect(table.stdout).toMatch(
      /^nightly\s+0 3 \* \* \* \(Europe\/Berlin\)\s+POST https:\/\/example\.com\/report\s+active/m,
    );

    expect((await cli('jobs', 'pause', 'nightly')).stdout.trim()).toBe('paused nightly');
    expect(parseJson<Job[]>(await cli('jobs', 'list', '--json'))[0]?.enabled).toBe(false);
    expect(parseJson<Job[]>(await cli('jobs', 'list', '--paused', '--json')).map((j) => j.id)).toEqual([
      'nightly',
    ]);
    expect((await cli('jobs', 'resume', 'nightly')).code).toBe(0);
    expect(parseJson<Job[]>(await cli('jobs', 'list', '--json'))[0]?.enabled).toBe(true);

    const removed = await cli('jobs', 'remove', 'nightly');
    expect(removed.stdout.trim()).toBe('removed nightly');
    expect(parseJson<Job[]>(await cli('jobs', 'list', '--json'))).toEqual([]);
    const again = await cli('jobs', 'remove', 'nightly');
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('cronhook: No job with id "nightly" [ERR_JOB_NOT_FOUND]');
  });

  it('shows no next run for a paused job', async () => {
    const added = await cli(
      'jobs',
      'add',
      '--id',
      'held',
      '--every',
      '1h',
      '--url',
      'https://example.com/h',
      '--paused',
    );
    expect(added.stdout).toMatch(
      /^added held: every 1h → POST https:\/\/example\.com\/h, next run - \(paused\)$/m,
    );
    const row = (await cli('jobs', 'list')).stdout.split('\n').find((line) => line.startsWith('held '));
    expect(row).toMatch(/\spaused\s+- \(paused\)\s+0$/);
    expect((await cli('jobs', 'resume', 'held')).stdout).toMatch(/^resumed held, next run \d{4}-/m);
    const resumed = (await cli('jobs', 'list')).stdout.split('\n').find((line) => line.startsWith('held '));
    expect(resumed).toMatch(/\sactive\s+\d{4}-\d\d-\d\dT/);
    await cli('jobs', 'remove', 'held');
  });

  it('a rejected add changes nothing stored', async () => {
    await cli('jobs', 'add', '--id', 'keep', '--every', '15m', '--url', 'https://example.com/a');
    const before = parseJson<Job[]>(await cli('jobs', 'list', '--json'));

    const duplicate = await cli(
      'jobs',
      'add',
      '--id',
      'keep',
      '--every',
      '1h',
      '--url',
      'https://example.com/b',
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('[ERR_DUPLICATE_JOB]');
    const badUrl = await cli('jobs', 'add', '--id', 'other', '--every', '1h', '--url', 'ftp://example.com/x');
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr.trim()).toMatch(
      /target\.url uses ftp:; only http: and https: are allowed \[ERR_INVALID_JOB\]$/,
    );
    const noSchedule = await cli('jobs', 'add', '--id', 'other', '--url', 'https://example.com/x');
    expect(noSchedule.code).toBe(2);
    expect(noSchedule.stderr).toContain('a schedule is required');

    expect(parseJson<Job[]>(await cli('jobs', 'list', '--json'))).toEqual(before);
    await cli('jobs', 'remove', 'keep');
  });

  it('never prints a header value nor a URL query: add, list, list --json, pause --json, usage errors', async () => {
    const added = await cli(
      'jobs',
      'add',
      '--id',
      'billing',
      '--every',
      '1h',
      '--url',
      'https://api.example.com/charge?api_key=QU3RY',
      '--header',
      'Authorization: Bearer T0K3N',
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('POST https://api.example.com/charge,');
    const table = await cli('jobs', 'list');
    expect(table.stdout).toMatch(/^billing\s+every 1h\s+POST https:\/\/api\.example\.com\/charge\s+active/m);
    const json = await cli('jobs', 'list', '--json');
    const paused = await cli('jobs', 'pause', 'billing', '--json');
    // --json prints the job as the API returns it: the URL by origin and path, saying the query was left out,
    // header names without values.
    for (const output of [json, paused]) {
      const job = output === json ? parseJson<Job[]>(output)[0] : parseJson<Job>(output);
      expect(job?.target).toMatchObject({
        url: 'https://api.example.com/charge',
        urlHidden: ['query'],
        headerNames: ['Authorization'],
      });
    }
    for (const output of [added.stdout, table.stdout, json.stdout, paused.stdout]) {
      expect(output).not.toMatch(/T0K3N|QU3RY/);
    }

    const malformed = await cli(
      'jobs',
      'add',
      '--every',
      '1h',
      '--url',
      'https://a.example/',
      '--header',
      'Bearer T0K3N',
    );
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--header must look like "Name: value"');
    expect(malformed.stderr).not.toContain('T0K3N');
    await cli('jobs', 'remove', 'billing');
  });

  it('trigger --here runs an HTTP job now in the CLI, records the run, and exits 1 when it fails', async () => {
    await cli(
      'jobs',
      'add',
      '--id',
      'sync',
      '--every',
      '1h',
      '--url',
      server.url('/sync'),
      '--header',
      'x-tenant: acme',
      '--body',
      '{"full":true}',
    );
    await cli('jobs', 'add', '--id', 'broken', '--every', '1h', '--url', server.url('/broken'));

    const ok = await cli('jobs', 'trigger', 'sync', '--here', '--json');
    expect(ok.code).toBe(0);
    expect(parseJson<Run>(ok)).toMatchObject({
      jobId: 'sync',
      status: 'succeeded',
      statusCode: 200,
      trigger: 'manual',
    });
    const request = server.requests.find((r) => r.path === '/sync');
    expect(request).toMatchObject({ method: 'POST', body: '{"full":true}' });
    expect(request?.headers['x-tenant']).toBe('acme');

    const failed = await cli('jobs', 'trigger', 'broken', '--here');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^status\s+failed$/m);
    expect(failed.stdout).toMatch(/^status code\s+500$/m);

    const runs = parseJson<Run[]>(await cli('jobs', 'runs', 'sync', '--json'));
    expect(runs.map((r) => r.status)).toEqual(['succeeded']);
    const failedRuns = await cli('jobs', 'runs', 'broken', '--status', 'failed');
    expect(failedRuns.stdout.split('\n')[0]).toMatch(/^RUN\s+SCHEDULED\s+STATUS/);
    expect(failedRuns.stdout).toContain('ERR_HTTP_STATUS');
    const unknown = await cli('jobs', 'runs', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No job with id "nope"');
  });

  it('--definition takes a whole job as JSON, flags override it', async () => {
    const definition = JSON.stringify({
      id: 'def',
      schedule: { every: '2h' },
      target: { handler: 'cleanup' },
      metadata: { team: 'ops' },
    });
    const result = await cli('jobs', 'add', '--definition', definition, '--name', 'Cleanup', '--json');
    expect(result.code).toBe(0);
    expect(parseJson<Job>(result)).toMatchObject({
      id: 'def',
      name: 'Cleanup',
      schedule: { kind: 'every', everyMs: 7_200_000 },
      target: { handler: 'cleanup' },
      metadata: { team: 'ops' },
    });
  });
});
