/** `npm run demo` end to end, shortened: it must finish by itself and its summary must add up. */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/helpers/test-lifecycle.js';
import { parseOptions } from './options.js';

const INDEX = fileURLToPath(new URL('./index.ts', import.meta.url));
const temp = useTempDir('demo');

function runDemo(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const db = temp.file('demo.db');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', INDEX, '--duration', '5', '--db', db],
      { env: { ...process.env, ...env }, timeout: 40_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run demo', () => {
  it('runs, ends by itself, and every signature check in the summary adds up (no colour when piped)', async () => {
    const { code, stdout, stderr } = await runDemo({ NO_COLOR: '' });
    expect(code, stderr).toBe(0);
    expect(stdout).not.toContain('\u001b['); // stdout is a pipe here: no ANSI
    expect(stdout).toMatch(/^ {2}TIME +KIND +JOB +STATUS +TRY +DURATION +VERIFIED +DETAIL$/m);
    expect(stdout).toMatch(/^ {2}\S+ +hook +\(ping\) +delivered +1 +\d+ ms +yes +webhook\.ping +HTTP 200/m);
    expect(stdout).toMatch(/^ {2}\S+ +hook +\(stranger\) +rejected .* no +HTTP 401 ERR_INVALID_SIGNATURE$/m);
    expect(stdout).toMatch(/\[redeliver\] +duplicate$/m);

    // Every request the notifier sent verified; the forged one alone was rejected.
    const signatures =
      /signatures +(\d+) checked by the receiver: (\d+) verified, (\d+) rejected; (\d+) duplicate/.exec(
        stdout,
      );
    expect(signatures).not.toBeNull();
    const [, checked, verified, rejected, duplicates] = signatures!.map(Number);
    expect(rejected).toBe(1);
    expect(verified).toBe(checked! - 1);
    expect(duplicates).toBe(1);
    expect(stdout).toMatch(/^ {2}all jobs +\d+/m);
  });

  it('serves the dashboard it prints; Ctrl-C (SIGINT) shuts down gracefully and still prints the summary', async () => {
    const db = temp.file('demo.db');
    const child = spawn(process.execPath, ['--import', 'tsx', INDEX, '--db', db], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (const deadline = Date.now() + 20_000; !/webhook\.ping/.test(stdout); ) {
      if (Date.now() > deadline) throw new Error(`the demo did not start:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The dashboard it prints answers with the printed credentials, and to nobody without them.
    const [, url, password] = /dashboard +(http:\/\/127\.0\.0\.1:\d+\/) +user demo, password (\S+)/.exec(
      stdout,
    )!;
    const denied = await fetch(`${url}jobs`);
    expect(denied.status).toBe(401);
    const jobs = await fetch(`${url}jobs`, {
      headers: { authorization: `Basic ${Buffer.from(`demo:${password}`).toString('base64')}` },
    });
    expect(jobs.status).toBe(200);
    expect(await jobs.text()).toContain('inventory-sync');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toContain('shutting down gracefully');
    expect(stdout).toMatch(/^Summary after \d/m);
  });

  it('keeps running after the summary with --keep-open: the jobs, the webhooks and the dashboard, until Ctrl-C', async () => {
    const db = temp.file('demo.db');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', INDEX, '--keep-open', '--duration', '3', '--db', db],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const waitFor = async (pattern: RegExp, from = 0) => {
      for (const deadline = Date.now() + 30_000; !pattern.test(stdout.slice(from)); ) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor(/^Still running/m);
      expect(stdout).toMatch(/^Summary after \d/m);
      // The address and credentials again, after the summary, and they work.
      const still = stdout.indexOf('Still running');
      const [, url = '', password] =
        /dashboard +(http:\/\/127\.0\.0\.1:\d+\/) +user demo, password (\S+)/.exec(stdout.slice(still))!;
      expect(stdout).toMatch(/press Ctrl-C/);
      const auth = `Basic ${Buffer.from(`demo:${password}`).toString('base64')}`;
      const page = await fetch(`${url}endpoints`, { headers: { authorization: auth } });
      expect(page.status).toBe(200);
      // The jobs keep running and their webhooks keep arriving, verified.
      await waitFor(/hook +inventory-sync +delivered .* yes /, still);
      // A secret rotated from the dashboard: the receiver follows it, so later deliveries still verify.
      const html = await page.text();
      const endpointId = /href="\/endpoints\/(ep_[^"]+)"/.exec(html)![1]!;
      const csrf = /name="csrf-token" content="([^"]+)"/.exec(html)![1]!;
      const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
      const rotated = await fetch(`${url}endpoints/${endpointId}/rotate`, {
        method: 'POST',
        headers: {
          authorization: auth,
          cookie,
          origin: url.slice(0, -1),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ csrf, graceHours: '0' }),
      });
      expect(rotated.status).toBe(200);
      expect(await rotated.text()).toContain('Secret rotated');
      // With no grace, only the new secret signs: without following it the receiver would reject every one
      // (a request signed just before the rotation may be, and is retried).
      const afterRotation = stdout.length;
      await waitFor(/(hook +\S+ +delivered .* yes [\s\S]*){3}/, afterRotation);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stdout).toContain('shutting down gracefully');
    expect(stdout).toMatch(/^Stopped after \d/m);
  });

  it('keeps running after the summary by default only when stdout is a terminal', () => {
    expect(parseOptions([], true).keepOpen).toBe(true);
    expect(parseOptions([], false).keepOpen).toBe(false);
    expect(parseOptions(['--keep-open'], false).keepOpen).toBe(true);
    expect(parseOptions(['--no-keep-open', '--duration', '60'], true)).toMatchObject({
      keepOpen: false,
      durationMs: 60_000,
    });
  });

  it('uses colour when forced, and rejects a bad --duration in one line', async () => {
    const forced = await runDemo({ FORCE_COLOR: '1' });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('\u001b[');

    const bad = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', INDEX, '--duration', 'soon'], (error, _out, stderr) =>
        resolve({ code: Number(error?.code ?? 0), stderr }),
      ),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('demo: --duration must be a number of seconds from 3 to 3600, got "soon"');
  });
});
