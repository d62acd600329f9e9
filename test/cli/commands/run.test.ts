import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Job, Run } from '../../../src/scheduler/types.js';
import { verifyWebhook } from '../../../src/verify/index.js';
import { ensureCliBuilt, parseJson, runCli, spawnCli } from '../../helpers/cli.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('cli-run');
// Some tests start the CLI process three or four times in a row (restarts): under load each start takes seconds.
vi.setConfig({ testTimeout: 90_000 });
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
let service: TestHttpServer;
let receiver: TestHttpServer;

beforeAll(async () => {
  await ensureCliBuilt();
  service = await startHttpServer();
  receiver = await startHttpServer((_req, res) => {
    res.writeHead(200).end();
  });
});
afterAll(async () => {
  await service.close();
  await receiver.close();
});

/** Webhooks the receiver got, verified with the config's secret (throws on a bad signature). */
function verifiedEvents(): Array<{ type: string; data: { job?: { id: string }; run?: { status: string } } }> {
  return receiver.requests.map((r) => verifyWebhook({ payload: r.body, headers: r.headers, secret: SECRET }));
}

describe('cronhook run', () => {
  it('runs the config’s jobs, delivers signed webhooks, logs JSON lines and stops cleanly on SIGTERM', async () => {
    const dir = temp.folder();
    writeFileSync(
      join(dir, 'cronhook.config.json'),
      JSON.stringify({
        db: 'service.db',
        notifier: { allowPrivateNetworks: true },
        jobs: [{ id: 'tick', schedule: '* * * * * *', target: { url: service.url('/tick') } }],
        endpoints: [
          { url: receiver.url('/hooks'), topics: ['job.execution.succeeded'], secretEnv: 'HOOK_SECRET' },
        ],
      }),
    );
    const proc = spawnCli(['run', '--log', 'json'], { cwd: dir, env: { HOOK_SECRET: SECRET } });
    await proc.waitForOutput((out) => out.includes('"msg":"delivery succeeded"'), 15_000);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });

    const lines = proc
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'job added',
        'endpoint added',
        'cronhook started',
        'run succeeded',
        'shutting down',
        'stopped',
      ]),
    );
    expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ level: 'info', signal: 'SIGTERM' });
    expect(lines.at(-1)?.msg).toBe('stopped');
    expect(proc.stdout()).not.toContain(SECRET);

    const events = verifiedEvents().filter((e) => e.data.job?.id === 'tick');
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({
      type: 'job.execution.succeeded',
      data: { run: { status: 'succeeded' } },
    });
    expect(service.requests.some((r) => r.path === '/tick')).toBe(true);

    // The management commands read what the service stored.
    const runs = parseJson<Run[]>(
      await runCli(['jobs', 'runs', 'tick', '--db', 'service.db', '--json'], { cwd: dir }),
    );
    expect(runs.some((r) => r.status === 'succeeded')).toBe(true);
  });

  it('a .mjs config registers handlers; an unchanged job keeps its schedule across restarts', async () => {
    const dir = temp.folder();
    writeFileSync(
      join(dir, 'cronhook.config.mjs'),
      `export default {
        db: 'app.db',
        notifier: { allowPrivateNetworks: true },
        handlers: { greet: async ({ payload }) => ({ hello: payload.name }) },
        jobs: [
          { id: 'greet', schedule: '* * * * * *', target: { handler: 'greet', payload: { name: 'cli' } } },
          { id: 'later', schedule: { every: '1h' },
            target: { url: ${JSON.stringify(service.url('/later'))}, headers: { authorization: 'Bearer T0K3N' } } },
        ],
        endpoints: [{ url: ${JSON.stringify(receiver.url('/mjs?token=QU3RY'))}, topics: ['job.*'], secret: ${JSON.stringify(SECRET)} }],
      };`,
    );
    const start = () => spawnCli(['run', '--config', 'cronhook.config.mjs', '--log', 'pretty'], { cwd: dir });

    const first = start();
    // Until a succeeded run's webhook is delivered (only greet runs within the test), not just until the run
    // succeeded: a stop right after the run can leave its webhook pending, and the second start is short.
    await first.waitForOutput(
      (out) =>
        /run succeeded\s+job=greet/.test(out) &&
        /delivery succeeded .*topic=job\.execution\.succeeded/.test(out),
      15_000,
    );
    first.child.kill('SIGINT');
    expect((await first.exited).code).toBe(0);
    expect(first.stdout()).toMatch(/^\S+Z INFO {2}cronhook started/m);
    const before = parseJson<Job[]>(await runCli(['jobs', 'list', '--db', 'app.db', '--json'], { cwd: dir }));

    const second = start();
    await second.waitForOutput((out) => out.includes('cronhook started'), 15_000);
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
    expect(second.stdout()).not.toContain('job added');
    expect(second.stdout()).not.toContain('job updated');
    const after = parseJson<Job[]>(await runCli(['jobs', 'list', '--db', 'app.db', '--json'], { cwd: dir }));
    // An every-1h job re-added on restart would have a new anchor and a later next run.
    expect(after.find((j) => j.id === 'later')?.nextRunAt).toBe(
      before.find((j) => j.id === 'later')?.nextRunAt,
    );

    // Header values and query strings stay out of what the CLI prints and logs.
    for (const output of [first.stdout(), second.stdout(), JSON.stringify(after)]) {
      expect(output).not.toMatch(/T0K3N|QU3RY/);
    }
    expect(first.stdout()).toMatch(/endpoint added .*url=http:\/\/127\.0\.0\.1:\d+\/mjs(\s|$)/m);
    expect(after.find((j) => j.id === 'later')?.target).toMatchObject({ headerNames: ['authorization'] });

    const greeted = verifiedEvents().find(
      (e) => e.type === 'job.execution.succeeded' && e.data.job?.id === 'greet',
    );
    expect(greeted).toBeDefined();
  });

  it('a changed job in the config is updated on start', async () => {
    const dir = temp.folder();
    const write = (every: string) =>
      writeFileSync(
        join(dir, 'c.json'),
        JSON.stringify({
          jobs: [{ id: 'poll', schedule: { every }, target: { url: service.url('/poll') } }],
        }),
      );
    const startAndStop = async () => {
      const proc = spawnCli(['run', '-c', 'c.json', '--db', 'u.db'], { cwd: dir });
      await proc.waitForOutput((out) => out.includes('cronhook started'), 15_000);
      proc.child.kill('SIGTERM');
      await proc.exited;
      return proc.stdout();
    };
    write('1h');
    expect(await startAndStop()).toContain('job added');
    write('2h');
    expect(await startAndStop()).toContain('job updated');
    const jobs = parseJson<Job[]>(await runCli(['jobs', 'list', '--db', 'u.db', '--json'], { cwd: dir }));
    expect(jobs[0]?.schedule).toMatchObject({ kind: 'every', everyMs: 7_200_000 });
  });

  it('restarts change nothing a config declared, however written; an endpoint is matched by id, or by its URL', async () => {
    const dir = temp.folder();
    const origin = new URL(receiver.url('/')).origin; // no trailing slash, as people write it
    writeFileSync(
      join(dir, 'c.json'),
      JSON.stringify({
        jobs: [{ id: 'poll', schedule: { every: '1h' }, target: { url: origin, method: 'post' } }],
        endpoints: [
          { url: origin, topics: ['job.*'], secretEnv: 'HOOK_SECRET' },
          {
            id: 'ops',
            url: receiver.url('/ops'),
            topics: ['job.execution.failed'],
            secretEnv: 'HOOK_SECRET',
          },
        ],
      }),
    );
    const startAndStop = async () => {
      const proc = spawnCli(['run', '-c', 'c.json', '--db', 'd.db', '--log', 'json'], {
        cwd: dir,
        env: { HOOK_SECRET: SECRET },
      });
      await proc.waitForOutput((out) => out.includes('cronhook started'), 15_000);
      proc.child.kill('SIGTERM');
      await proc.exited;
      return proc.stdout();
    };
    const list = async <T>(what: 'jobs' | 'endpoints') =>
      parseJson<T[]>(await runCli([what, 'list', '--db', 'd.db', '--json'], { cwd: dir }));

    const first = await startAndStop();
    expect(first.match(/"msg":"endpoint added"/g)).toHaveLength(2);
    const jobs = await list<Job>('jobs');
    const endpoints = await list<{ id: string; url: string }>('endpoints');
    expect(endpoints.map((e) => e.id).sort()).toEqual(['ops', expect.stringMatching(/^url:[\w-]{22}$/)]);
    for (let restart = 0; restart < 2; restart++) {
      const output = await startAndStop();
      expect(output).not.toMatch(/"msg":"(job|endpoint) (added|updated)"/);
      expect(await list<Job>('jobs')).toEqual(jobs); // the every-1h job kept its next run
      expect(await list('endpoints')).toEqual(endpoints);
    }
  });

  it('adopts an endpoint stored before config endpoints had ids, and says which others share its URL', async () => {
    const dir = temp.folder();
    // With a query token: matched against the stored URL, which the notifier's views name without it.
    const url = receiver.url('/legacy?token=L3GACY');
    const add = () =>
      runCli(['endpoints', 'add', '--url', url, '--secret', SECRET, '--db', 'l.db', '--json'], { cwd: dir });
    const oldest = parseJson<{ endpoint: { id: string } }>(await add()).endpoint.id;
    const leftover = parseJson<{ endpoint: { id: string } }>(await add()).endpoint.id;
    writeFileSync(
      join(dir, 'c.json'),
      JSON.stringify({ endpoints: [{ url, topics: ['*'], secret: SECRET }] }),
    );
    const proc = spawnCli(['run', '-c', 'c.json', '--db', 'l.db', '--log', 'json'], { cwd: dir });
    await proc.waitForOutput((out) => out.includes('cronhook started'), 15_000);
    proc.child.kill('SIGTERM');
    await proc.exited;
    expect(proc.stdout()).not.toContain('endpoint added');
    expect(proc.stdout()).not.toContain('L3GACY');
    const warning = proc
      .stdout()
      .split('\n')
      .find((line) => line.includes('other endpoints have the same URL'));
    expect(warning && JSON.parse(warning)).toMatchObject({
      level: 'warn',
      endpoint: oldest,
      others: [leftover],
    });
    const endpoints = parseJson<{ id: string }[]>(
      await runCli(['endpoints', 'list', '--db', 'l.db', '--json'], { cwd: dir }),
    );
    expect(endpoints.map((e) => e.id)).toEqual([oldest, leftover]);
  });
});
