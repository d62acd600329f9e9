import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EncryptedStorage } from '../../../src/storage/encryption/encrypted-storage.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import { verifyWebhook } from '../../../src/verify/index.js';
import { JOB_AUTH, JOB_SECRET, KEY, SECRET } from '../../helpers/encryption.js';
import { createNotifierHarness } from '../../helpers/notifier.js';
import { createTestScheduler } from '../../helpers/scheduler.js';
import { until, useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('encryption');

const ROTATED = 'whsec_bmV3IHNlY3JldCBmb3Igcm90YXRpb24gdGVzdHM=';
const AUTH = 'Bearer endpoint-token-1234';
const HEADER = 'header-value-5678';

describe('encryption at rest with SQLite', () => {
  it('the file holds no secret, and deliveries and HTTP jobs are signed and sent as without encryption', async () => {
    const path = temp.file('cronhook.db');
    const clock = new FakeClock();
    const transport = new MockTransport([], { clock });
    const storage = new EncryptedStorage(new SqliteStorage({ path }), { keys: [KEY] });
    await storage.migrate();
    const h = createNotifierHarness({ clock, transport, storage, allowPrivateNetworks: true });
    const { endpoint: ep } = await h.notifier.addEndpoint({
      url: 'https://hooks.example.com/in',
      authorization: AUTH,
      headers: { 'x-api-key': HEADER },
      secret: SECRET,
    });
    await h.notifier.rotateSecret(ep.id, { secret: ROTATED, graceMs: 3_600_000 });
    const s = createTestScheduler({ clock, transport, storage });
    await s.scheduler.addJob({
      id: 'sync',
      schedule: { every: '1m' },
      target: {
        body: { sync: true },
        url: 'https://jobs.example.com/sync',
        headers: { authorization: JOB_AUTH },
        signingSecret: JOB_SECRET,
      },
    });
    await h.notifier.start();
    await s.scheduler.start();
    await h.notifier.publish('app.event', { hello: 'world' });
    await clock.advance('1m');
    // The delivery's claim takes real time (its flush; the write thread), not clock time.
    await until(() => transport.requestsTo('https://hooks.example.com').length >= 1);
    await s.scheduler.stop();
    await h.notifier.stop();

    const delivered = transport.requestsTo('https://hooks.example.com');
    expect(delivered.length).toBeGreaterThanOrEqual(1);
    const request = delivered[0]!;
    expect(request.headers.authorization).toBe(AUTH);
    expect(request.headers['x-api-key']).toBe(HEADER);
    // Signed with both secrets during the rotation's grace: each verifies alone.
    for (const secret of [SECRET, ROTATED]) {
      expect(() =>
        verifyWebhook({ payload: request.body!, headers: request.headers, secret, now: clock.date() }),
      ).not.toThrow();
    }
    const call = transport.requestsTo('https://jobs.example.com')[0]!;
    expect(call.headers.authorization).toBe(JOB_AUTH);
    expect(() =>
      verifyWebhook({
        payload: call.body ?? '',
        headers: call.headers,
        secret: JOB_SECRET,
        now: clock.date(),
      }),
    ).not.toThrow();

    await storage.close!();
    const bytes = ['', '-wal'].map((suffix) => {
      try {
        return readFileSync(`${path}${suffix}`).toString('latin1');
      } catch {
        return '';
      }
    });
    const onDisk = bytes.join('');
    expect(onDisk).toContain('hooks.example.com'); // the file is read: what is not secret is there
    for (const secret of [SECRET, ROTATED, AUTH, HEADER, JOB_SECRET, JOB_AUTH]) {
      expect(onDisk).not.toContain(secret);
      expect(onDisk).not.toContain(Buffer.from(secret).toString('base64').slice(0, 16));
    }
  });
});
