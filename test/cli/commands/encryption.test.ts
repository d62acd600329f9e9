import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../src/notifier/types.js';
import { verifyWebhook } from '../../../src/verify/index.js';
import { ensureCliBuilt, parseJson, runCli, spawnCli } from '../../helpers/cli.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('cli-encryption');
const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
let receiver: TestHttpServer;
let key: string;
let otherKey: string;

beforeAll(async () => {
  await ensureCliBuilt();
  receiver = await startHttpServer((_req, res) => {
    res.writeHead(204).end();
  });
  [key, otherKey] = await Promise.all([newKey(), newKey()]);
});
afterAll(() => receiver.close());

async function newKey(): Promise<string> {
  const result = await runCli(['encryption', 'new-key']);
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

const freshDb = () => temp.file('hooks.db');
const withKeys = (...keys: string[]) => ({ env: { CRONHOOK_ENCRYPTION_KEYS: keys.join(',') } });

function fileText(db: string): string {
  return ['', '-wal']
    .map((suffix) => {
      try {
        return readFileSync(`${db}${suffix}`).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('');
}

describe('cronhook with encryption at rest (CRONHOOK_ENCRYPTION_KEYS)', () => {
  it('new-key prints a fresh 32-byte key as base64', () => {
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(otherKey).not.toBe(key);
  });

  it('endpoints add/list/ping work on an encrypted database whose file holds no secret', async () => {
    const db = freshDb();
    const url = receiver.url('/encrypted');
    const added = await runCli(
      ['endpoints', 'add', '--url', url, '--secret', SECRET, '--db', db, '--json'],
      withKeys(key),
    );
    expect(added.code).toBe(0);
    const { endpoint } = parseJson<{ endpoint: Endpoint }>(added);
    const listed = await runCli(['endpoints', 'list', '--db', db, '--json'], withKeys(key));
    expect(parseJson<Endpoint[]>(listed).map((e) => e.id)).toEqual([endpoint.id]);

    const before = receiver.requests.length;
    const pinged = await runCli(
      ['endpoints', 'ping', endpoint.id, '--allow-private-networks', '--db', db],
      withKeys(key),
    );
    expect(pinged.code).toBe(0);
    const request = receiver.requests[before]!;
    expect(verifyWebhook({ payload: request.body, headers: request.headers, secret: SECRET })).toMatchObject({
      type: 'webhook.ping',
    });
    expect(fileText(db)).toContain('/encrypted');
    expect(fileText(db)).not.toContain(SECRET);
  });

  it('without the key, or with the wrong one, a command refuses the database in one line (ERR_ENCRYPTION_KEY)', async () => {
    const db = freshDb();
    expect(
      (await runCli(['endpoints', 'add', '--url', 'https://example.com/h', '--db', db], withKeys(key))).code,
    ).toBe(0);
    for (const options of [{}, withKeys(otherKey)]) {
      const result = await runCli(['endpoints', 'list', '--db', db], options);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('[ERR_ENCRYPTION_KEY]');
      expect(result.stderr).toContain('CRONHOOK_ENCRYPTION_KEYS');
      expect(result.stderr).not.toContain(key);
      expect(result.stderr).not.toContain(otherKey);
    }
    const malformed = await runCli(['endpoints', 'list', '--db', db], withKeys(key, 'not-a-key'));
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('CRONHOOK_ENCRYPTION_KEYS');
    expect(malformed.stderr).toContain('keys[1]');
    expect(malformed.stderr).not.toContain(key);
  });

  it('reencrypt encrypts secrets stored in plain text, then moves them to a new key; the old key can go', async () => {
    const db = freshDb();
    expect((await runCli(['endpoints', 'add', '--url', 'https://example.com/a', '--db', db])).code).toBe(0);
    const refused = await runCli(['encryption', 'reencrypt', '--db', db]);
    expect(refused.code).toBe(2);

    const first = await runCli(['encryption', 'reencrypt', '--db', db, '--json'], withKeys(key));
    expect(parseJson(first)).toEqual({ endpoints: 1, jobs: 0, undecryptable: 0 });
    // Encrypted now: without a key the database is refused.
    expect((await runCli(['endpoints', 'list', '--db', db])).code).toBe(1);

    const rotated = await runCli(['encryption', 'reencrypt', '--db', db, '--json'], withKeys(otherKey, key));
    expect(parseJson(rotated)).toEqual({ endpoints: 1, jobs: 0, undecryptable: 0 });
    expect((await runCli(['endpoints', 'list', '--db', db], withKeys(otherKey))).code).toBe(0);
    // The old key alone no longer opens what is stored: refused at start-up, nothing changed.
    const stale = await runCli(['encryption', 'reencrypt', '--db', db], withKeys(key));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('[ERR_ENCRYPTION_KEY]');
    expect((await runCli(['endpoints', 'list', '--db', db], withKeys(otherKey))).code).toBe(0);
  });

  it('cronhook run delivers from an encrypted database', async () => {
    const dir = temp.folder();
    writeFileSync(
      join(dir, 'cronhook.config.json'),
      JSON.stringify({
        db: 'run.db',
        notifier: { allowPrivateNetworks: true },
        jobs: [{ id: 'tick', schedule: '* * * * * *', target: { handler: 'none' } }],
        endpoints: [
          { url: receiver.url('/run'), topics: ['job.execution.failed'], secretEnv: 'HOOK_SECRET' },
        ],
      }),
    );
    const proc = spawnCli(['run', '--log', 'json'], {
      cwd: dir,
      env: { HOOK_SECRET: SECRET, CRONHOOK_ENCRYPTION_KEYS: key },
    });
    await proc.waitForOutput((out) => out.includes('"msg":"delivery succeeded"'), 15_000);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    const delivered = receiver.requests.filter((r) => r.path === '/run');
    expect(
      verifyWebhook({ payload: delivered[0]!.body, headers: delivered[0]!.headers, secret: SECRET }),
    ).toMatchObject({
      type: 'job.execution.failed',
    });
    expect(fileText(join(dir, 'run.db'))).not.toContain(SECRET);
  });
});
