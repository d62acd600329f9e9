import { describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../../../src/scheduler/scheduler.js';
import { SqliteChangeWatcher } from '../../../../src/storage/sqlite/connection/changes.js';
import { SqliteConnection } from '../../../../src/storage/sqlite/connection/connection.js';
import { SqliteStorage } from '../../../../src/storage/sqlite/index.js';
import type { StorageChange } from '../../../../src/storage/types.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../../src/testing/mock-transport.js';
import { minimalJob } from '../../../../src/testing/storage-suite/fixtures.js';
import { spawnFixture } from '../../../helpers/child-process.js';
import { useCleanups, useTempDir } from '../../../helpers/test-lifecycle.js';

const temp = useTempDir('sqlite-changes');

const cleanups = useCleanups();

/** Two connections on one new file: `a` is watched, `b` stands in for another process. */
function twoConnections() {
  const path = temp.file('cronhook.db');
  const open = () => new SqliteConnection({ path, busyTimeoutMs: 5_000, synchronous: 'normal' });
  const a = open();
  a.db.exec('CREATE TABLE t (x INTEGER)');
  const b = open();
  cleanups.push(
    () => a.close(),
    () => b.close(),
  );
  const insert = (connection: SqliteConnection) =>
    connection.write(() => connection.run('INSERT INTO t (x) VALUES (1)'));
  return { a, b, insert };
}

/** `promise`, or a rejection naming `what` after `timeoutMs`: waits end on the event, never on a sleep. */
async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('SqliteChangeWatcher (FakeClock, two connections on one file)', () => {
  it("reports another connection's commit at the next check, as jobs and deliveries", async () => {
    const { a, b, insert } = twoConnections();
    const clock = new FakeClock();
    const watcher = new SqliteChangeWatcher(a, 250, clock);
    const heard: StorageChange[] = [];
    watcher.subscribe((change) => heard.push(change));

    await insert(b);
    await clock.advance(249);
    expect(heard).toEqual([]);
    await clock.advance(1);
    expect(heard).toEqual(['jobs', 'deliveries']);
  });

  it("never reports its own connection's commits, and several commits between two checks once", async () => {
    const { a, b, insert } = twoConnections();
    const clock = new FakeClock();
    const watcher = new SqliteChangeWatcher(a, 250, clock);
    const heard: StorageChange[] = [];
    watcher.subscribe((change) => heard.push(change));

    for (let i = 0; i < 3; i++) {
      await insert(a);
      await clock.advance(250);
    }
    expect(heard).toEqual([]);

    await insert(b);
    await insert(b);
    await clock.advance(250);
    expect(heard).toEqual(['jobs', 'deliveries']);
    await insert(a);
    await clock.advance(1_000);
    expect(heard).toEqual(['jobs', 'deliveries']);
  });

  it('checks only while subscribed: the last unsubscribe and close() stop the timer', async () => {
    const { a, b, insert } = twoConnections();
    const clock = new FakeClock();
    const watcher = new SqliteChangeWatcher(a, 250, clock);
    expect(clock.pendingTimers).toBe(0);

    const first: StorageChange[] = [];
    const second: StorageChange[] = [];
    const unsubscribeFirst = watcher.subscribe((change) => first.push(change));
    const unsubscribeSecond = watcher.subscribe((change) => second.push(change));
    expect(clock.pendingTimers).toBe(1);
    unsubscribeFirst();
    expect(clock.pendingTimers).toBe(1);
    await insert(b);
    await clock.advance(250);
    expect(first).toEqual([]);
    expect(second).toEqual(['jobs', 'deliveries']);

    unsubscribeSecond();
    expect(clock.pendingTimers).toBe(0);

    // A commit made while nobody watched is not reported to a later subscriber: it reads the storage itself.
    await insert(b);
    const third: StorageChange[] = [];
    watcher.subscribe((change) => third.push(change));
    await clock.advance(250);
    expect(third).toEqual([]);

    watcher.close();
    expect(clock.pendingTimers).toBe(0);
    await insert(b);
    await clock.advance(1_000);
    expect(third).toEqual([]);
  });

  it('a listener that throws does not keep the others from hearing', async () => {
    const { a, b, insert } = twoConnections();
    const clock = new FakeClock();
    const watcher = new SqliteChangeWatcher(a, 100, clock);
    const heard: StorageChange[] = [];
    watcher.subscribe(() => {
      throw new Error('listener bug');
    });
    watcher.subscribe((change) => heard.push(change));
    await insert(b);
    await clock.advance(100);
    expect(heard).toEqual(['jobs', 'deliveries']);
    expect(clock.pendingTimers).toBe(1);
  });
});

describe('SqliteStorage.subscribe (real files, real time)', () => {
  it('tells a subscriber of one storage about a job inserted through another storage on the same file', async () => {
    const path = temp.file('cronhook.db');
    const a = new SqliteStorage({ path });
    const b = new SqliteStorage({ path });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    await a.migrate();
    await b.migrate();
    let heard: (change: StorageChange) => void = () => {};
    const change = new Promise<StorageChange>((resolve) => {
      heard = resolve;
    });
    cleanups.push(await a.subscribe((c) => heard(c)));
    await b.insertJob(minimalJob('from-b'));
    expect(await within(change, 5_000, 'no change reported')).toBe('jobs');
  });

  it('notices a commit made by another process, and a subscription left open never keeps it alive', async () => {
    const path = temp.file('cronhook.db');
    const storage = new SqliteStorage({ path });
    cleanups.push(() => storage.close());
    await storage.migrate();
    const child = spawnFixture('sqlite-subscriber.ts', [path]);
    cleanups.push(() => child.kill('SIGKILL'));
    await child.waitFor((m) => m.type === 'ready', 20_000);

    await storage.insertJob(minimalJob('from-parent'));
    await child.waitFor((m) => m.type === 'change' && m.change === 'jobs', 5_000);
    // The child still holds its subscription and its open storage; only an unref'd timer lets it exit.
    const exit = await within(child.exited, 10_000, 'the child did not exit');
    expect(exit).toEqual({ code: 0, signal: null });
  }, 40_000);

  it('lets a :memory: storage be subscribed to, and refuses a closed one with ERR_STORAGE', async () => {
    const memory = new SqliteStorage({ path: ':memory:' });
    await memory.migrate();
    const unsubscribe = await memory.subscribe(() => {});
    unsubscribe();
    await memory.close();

    const closed = new SqliteStorage({ path: temp.file('cronhook.db') });
    await closed.migrate();
    await closed.close();
    await expect(closed.subscribe(() => {})).rejects.toMatchObject({ code: 'ERR_STORAGE' });
  });

  it.each([0, 9, 1.5, 60_001, '250'])('rejects watchIntervalMs %j naming the field', (value) => {
    expect(() => new SqliteStorage({ path: ':memory:', watchIntervalMs: value as number })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        message: expect.stringContaining(
          `watchIntervalMs must be a whole number of milliseconds from 10 to 60000`,
        ),
      }),
    );
  });
});

describe('a Scheduler and a WebhookNotifier on SqliteStorage, without shared: true', () => {
  it('runs a job another process added within seconds, not at its next 60 s wake', async () => {
    const path = temp.file('cronhook.db');
    const storage = new SqliteStorage({ path });
    const other = new SqliteStorage({ path });
    const scheduler = new Scheduler({ storage });
    cleanups.push(
      () => storage.close(),
      () => other.close(),
      () => scheduler.stop(),
    );
    let ran: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      ran = resolve;
    });
    scheduler.handle('ping', () => ran());
    await scheduler.start();

    // What `cronhook jobs add` does in its own process: a scheduler that is never started adds the job.
    await new Scheduler({ storage: other }).addJob({
      id: 'from-cli',
      schedule: { at: new Date(Date.now() + 50) },
      target: { handler: 'ping' },
    });
    // The storage checks every 250 ms; 5 s leaves room for a slow machine and is still far below 60 s.
    await within(running, 5_000, 'the job did not run');
  });

  it('sends a webhook another process stored within seconds, not at its next 60 s wake', async () => {
    const path = temp.file('cronhook.db');
    const storage = new SqliteStorage({ path });
    const other = new SqliteStorage({ path });
    let sent: (url: string) => void = () => {};
    const sending = new Promise<string>((resolve) => {
      sent = resolve;
    });
    const notifier = new WebhookNotifier({
      storage,
      transport: new MockTransport((request) => {
        sent(request.url);
        return { status: 200 };
      }),
    });
    cleanups.push(
      () => storage.close(),
      () => other.close(),
      () => notifier.stop(),
    );
    await notifier.start();
    await notifier.addEndpoint({ url: 'https://a.example.com/hook' });

    // Another process (here a notifier that is never started) publishes: it only stores the message.
    await new WebhookNotifier({ storage: other, transport: new MockTransport() }).publish('x.y', { n: 1 });
    expect(await within(sending, 5_000, 'the webhook was not sent')).toBe('https://a.example.com/hook');
  });
});
