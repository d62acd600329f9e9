/** `cronhook dashboard` and `cronhook run --dashboard`: the real built binary, over loopback. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { ensureCliBuilt, runCli, spawnCli } from '../../helpers/cli.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('cli-dashboard');

beforeAll(async () => {
  await ensureCliBuilt();
});

/** A SQLite database with one job, as `cronhook dashboard` finds it. */
async function database(): Promise<{ dir: string; db: string }> {
  const dir = temp.folder();
  const db = join(dir, 'app.db');
  const storage = new SqliteStorage({ path: db });
  const scheduler = new Scheduler({ storage });
  await storage.migrate();
  await scheduler.addJob({
    id: 'nightly-export',
    schedule: '0 3 * * *',
    target: { url: 'https://example.com/x' },
  });
  await storage.close();
  return { dir, db };
}

function servedUrl(stdout: string): string {
  const m = /dashboard serving.*?(http:\/\/[^\s"]+\/)/.exec(stdout);
  if (!m) throw new Error(`no dashboard URL in:\n${stdout}`);
  return m[1]!;
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('cronhook dashboard', () => {
  it('serves a read-only dashboard of a database on loopback, then stops on SIGTERM', async () => {
    const { db } = await database();
    const proc = spawnCli(['dashboard', '--db', db, '--listen', '127.0.0.1:0']);
    await proc.waitForOutput((out) => out.includes('dashboard serving'), 15_000);
    const url = servedUrl(proc.stdout());
    const res = await fetch(`${url}jobs/nightly-export`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('nightly-export');
    expect(html).not.toContain('method="post"');
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });

  it('asks for the credentials of the environment, and accepts a bearer token', async () => {
    const { db } = await database();
    const env = {
      CRONHOOK_DASHBOARD_USER: 'ops',
      CRONHOOK_DASHBOARD_PASSWORD: 's3cret',
      CRONHOOK_DASHBOARD_TOKEN: 'tok-123',
    };
    const proc = spawnCli(['dashboard', '--db', db, '--listen', '127.0.0.1:0', '--actions'], { env });
    await proc.waitForOutput((out) => out.includes('dashboard serving'), 15_000);
    const url = servedUrl(proc.stdout());
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Basic');
    expect((await fetch(url, { headers: { authorization: basic('ops', 'wrong') } })).status).toBe(401);
    const page = await fetch(`${url}jobs/nightly-export`, {
      headers: { authorization: basic('ops', 's3cret') },
    });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('>Pause</button>');
    expect(html).not.toContain('>Run now</button>');
    expect((await fetch(url, { headers: { authorization: 'Bearer tok-123' } })).status).toBe(200);
    expect(proc.stdout()).not.toContain('s3cret');
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });

  it('refuses a non-loopback address without credentials', async () => {
    const { db } = await database();
    const result = await runCli(['dashboard', '--db', db, '--listen', '0.0.0.0:0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /refusing to serve the dashboard on a non-loopback address without credentials/,
    );
    const half = await runCli(['dashboard', '--db', db, '--listen', '127.0.0.1:0'], {
      env: { CRONHOOK_DASHBOARD_USER: 'ops' },
    });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('set both CRONHOOK_DASHBOARD_USER and CRONHOOK_DASHBOARD_PASSWORD');
    const bad = await runCli(['dashboard', '--db', db, '--listen', 'everywhere']);
    expect(bad.code).toBe(2);
  });
});

describe('cronhook run --dashboard', () => {
  it('serves the dashboard next to the running service, with its actions', async () => {
    const dir = temp.folder();
    writeFileSync(
      join(dir, 'cronhook.config.json'),
      JSON.stringify({
        db: 'svc.db',
        jobs: [{ id: 'hourly', schedule: '0 * * * *', target: { url: 'https://example.com/h' } }],
      }),
    );
    const proc = spawnCli(['run', '--dashboard', '127.0.0.1:0', '--log', 'json'], { cwd: dir });
    await proc.waitForOutput((out) => out.includes('dashboard serving'), 15_000);
    const url = servedUrl(proc.stdout());
    const page = await fetch(`${url}jobs/hourly`);
    expect(page.status).toBe(200);
    const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(await page.text())![1]!;
    const pause = await fetch(`${url}jobs/hourly/pause`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: url.slice(0, -1) },
      body: new URLSearchParams({ csrf }),
    });
    expect(pause.status).toBe(303);
    expect(await (await fetch(`${url}jobs/hourly`)).text()).toContain('none while paused');
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });

  it('refuses a non-loopback dashboard address without credentials, before starting anything', async () => {
    const dir = temp.folder();
    const result = await runCli(['run', '--db', join(dir, 'x.db'), '--dashboard', '0.0.0.0:8080']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--dashboard 0\.0\.0\.0:8080: refusing/);
  });
});
