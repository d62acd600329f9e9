/**
 * The README's quick start, pasted as it is into an empty folder that depends on cronhook (this repository,
 * built), runs: a first start on a fresh database, and a restart on the database it left.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, ROOT } from '../helpers/cli.js';

const READY = 'quick start running';

/** The first ```ts block of the README section "Quick start". */
function quickStart(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Quick start'));
  const code = section && /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README.md has no ```ts block under "## Quick start"');
  return code;
}

/** Runs index.ts in `dir` until it has started (the line the harness appends), then stops it. */
function startOnce(dir: string): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['index.ts'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes(READY)) child.kill('SIGTERM');
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (stdout.includes(READY) && signal === 'SIGTERM') resolve({ stderr });
      else reject(new Error(`the quick start exited (${code ?? signal}) before it started:\n${stderr}`));
    });
  });
}

describe('README quick start', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'cronhook-quick-start-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'cronhook'), 'dir');
    writeFileSync(join(dir, 'index.ts'), `${quickStart()}\nconsole.log(${JSON.stringify(READY)});\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const stored = () => {
    const db = new DatabaseSync(join(dir, 'cronhook.db'), { readOnly: true });
    try {
      return {
        jobs: db.prepare('SELECT id, next_run_at, updated_at FROM cronhook_jobs ORDER BY id').all(),
        endpoints: db
          .prepare('SELECT url FROM cronhook_endpoints')
          .all()
          .map((r) => r.url),
      };
    } finally {
      db.close();
    }
  };

  it('runs pasted into an empty folder, on a fresh database', async () => {
    const { stderr } = await startOnce(dir);
    expect(stderr).toBe('');
    const { jobs, endpoints } = stored();
    expect(jobs.length).toBeGreaterThan(0);
    expect(endpoints.length).toBeGreaterThan(0);
  });

  it('starts again on the database it left: the same jobs, untouched, and no endpoint added twice', async () => {
    const before = stored();
    const { stderr } = await startOnce(dir);
    expect(stderr).toBe('');
    expect(stored()).toEqual(before);
  });
});
