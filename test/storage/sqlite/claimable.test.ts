import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/storage/sqlite/connection/connection.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { at, delivery, endpoint, message } from '../../../src/testing/storage-suite/fixtures.js';
import { fanoutMessage } from '../../helpers/storage.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('sqlite-claimable');

/** The text of every statement the storage reads rows with as arrays (its claims' SELECTs), as sent. */
function recordValues(): { sent: string[]; restore: () => void } {
  const proto = SqliteConnection.prototype as unknown as {
    values: (sql: string, params?: unknown[]) => unknown[][];
  };
  const original = proto.values;
  const sent: string[] = [];
  proto.values = function (this: unknown, sql: string, params?: unknown[]) {
    sent.push(sql);
    return original.call(this, sql, params);
  };
  return { sent, restore: () => (proto.values = original) };
}

const claim = (storage: SqliteStorage, limit: number) =>
  storage.claimDeliveries({ now: at(1_000), limit, instanceId: 'i', leaseMs: 30_000 });

// A claim keeps the messages of the deliveries it takes decoded, as of the claim, for their attempts (see
// RecordCache): read by one statement after the lease, or with the rows themselves where most are not kept.
describe('SqliteStorage claims: the messages of the deliveries taken', () => {
  it('keeps each message whole as of the claim, whether read apart or with its rows', async () => {
    const path = temp.file('cronhook.db');
    const storage = new SqliteStorage({ path });
    await storage.migrate();
    await storage.insertEndpoint(endpoint('ep'));
    const traceContext = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, tracestate: 'v=1' };
    const messages = Array.from({ length: 6 }, (_, n) =>
      message(`m-${n}`, {
        createdAt: at(n),
        jobId: n % 2 === 0 ? 'job-a' : null,
        traceContext: n % 3 === 0 ? traceContext : null,
      }),
    );
    for (const [n, m] of messages.entries())
      await storage.insertMessage({
        message: m,
        deliveries: [delivery(`d-${n}`, m.id, 'ep', { nextAttemptAt: at(n), createdAt: at(n) })],
      });
    // One delivery whose message is gone (deleted by hand): claimed all the same, with no message.
    await storage.insertMessage({
      message: message('m-gone'),
      deliveries: [delivery('d-gone', 'm-gone', 'ep', { nextAttemptAt: at(10), createdAt: at(10) })],
    });
    const other = new DatabaseSync(path);
    other.prepare("DELETE FROM cronhook_messages WHERE id = 'm-gone'").run();
    const { sent, restore } = recordValues();
    try {
      // None kept yet: the first claim reads them apart; the next ones (most still not kept) with their rows.
      const taken = [
        ...(await claim(storage, 2)),
        ...(await claim(storage, 2)),
        ...(await claim(storage, 3)),
      ];
      expect(taken.map((d) => d.id)).toEqual(['d-0', 'd-1', 'd-2', 'd-3', 'd-4', 'd-5', 'd-gone']);
      expect(sent.filter((sql) => sql.includes('LEFT JOIN cronhook_messages'))).toHaveLength(2);
    } finally {
      restore();
    }
    // Their attempts read them as the claims kept them: gone from the file since, each still whole.
    other.prepare('DELETE FROM cronhook_messages').run();
    other.close();
    for (const m of messages) expect(await storage.getMessage(m.id)).toEqual(m);
    expect(await storage.getMessage('m-gone')).toBeNull();
    await storage.close();
  });

  it("reads fan-outs' deliveries without their messages, which the claim that wrote them keeps", async () => {
    const storage = new SqliteStorage({ path: temp.file('cronhook.db') });
    await storage.migrate();
    const endpointIds = Array.from({ length: 20 }, (_, n) => `ep-${String(n).padStart(2, '0')}`);
    for (const id of endpointIds) await storage.insertEndpoint(endpoint(id));
    const m = fanoutMessage(at(0));
    await storage.insertFanout!({ message: m, endpointIds, nextAttemptAt: at(0) });
    const { sent, restore } = recordValues();
    try {
      // The first claim writes the fan-out's records; the next ones lease stored rows of that one message.
      const taken = [
        ...(await claim(storage, 4)),
        ...(await claim(storage, 4)),
        ...(await claim(storage, 4)),
      ];
      expect(new Set(taken.map((d) => d.messageId))).toEqual(new Set([m.id]));
      expect(sent.some((sql) => sql.includes('LEFT JOIN cronhook_messages'))).toBe(false);
    } finally {
      restore();
    }
    expect(await storage.getMessage(m.id)).toEqual(m);
    await storage.close();
  });
});
