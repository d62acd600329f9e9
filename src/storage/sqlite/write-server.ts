import type { MessagePort } from 'node:worker_threads';
import type { DeliveryRecord, Message } from '../../notifier/types.js';
import { SqliteConnection, type SqliteConnectionOptions } from './connection.js';
import { SqliteOutbox } from './outbox.js';

/** One call as posted by the main thread: [id, operation, argument]. */
export type WriteCall = [number, string, unknown];
/** One answer: [id, ok, value or serialized error]. */
export type WriteReply = [number, boolean, unknown];

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  field?: string;
}

export interface WriteServerData extends Omit<SqliteConnectionOptions, 'flush'> {
  /** Counts commits of other connections, as seen by the worker's writes. */
  foreign: Int32Array;
}

function serialize(error: unknown): SerializedError {
  const e = error as { name?: string; message?: string; code?: string; field?: string };
  return {
    name: String(e?.name ?? 'Error'),
    message: String(e?.message ?? error),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.field === 'string' ? { field: e.field } : {}),
  };
}

/** Worker side: runs the outbox's writes on a connection of its own, answering in batches. */
export function serveWrites(port: MessagePort, data: WriteServerData): void {
  const foreign = data.foreign;
  const connection = new SqliteConnection({
    path: data.path,
    busyTimeoutMs: data.busyTimeoutMs,
    synchronous: data.synchronous,
    onForeignCommit: () => Atomics.add(foreign, 0, 1),
  });
  const outbox = new SqliteOutbox(connection);
  let replies: WriteReply[] = [];
  const flush = () => {
    const batch = replies;
    replies = [];
    port.postMessage(batch);
  };
  const answer = (reply: WriteReply) => {
    if (replies.length === 0) setImmediate(flush);
    replies.push(reply);
  };
  const claim = async (options: Parameters<SqliteOutbox['claimDeliveries']>[0]) => {
    const deliveries: DeliveryRecord[] = await outbox.claimDeliveries(options);
    const messages: Message[] = [];
    const seen = new Set<string>();
    for (const d of deliveries) {
      if (seen.has(d.messageId)) continue;
      seen.add(d.messageId);
      const message = outbox.getMessage(d.messageId);
      if (message) messages.push(message);
    }
    return [deliveries, messages];
  };
  const run = (op: string, arg: never): Promise<unknown> => {
    switch (op) {
      case 'claim':
        return claim(arg);
      case 'insertMessage':
        return outbox.insertMessage(arg);
      case 'insertFanout':
        return outbox.insertFanout(arg);
      case 'completeAttempt':
        return outbox.completeAttempt(arg);
      case 'updateDelivery':
        return outbox.updateDelivery(arg);
      case 'pruneDeliveries':
        return outbox.pruneDeliveries(arg);
      default:
        return Promise.reject(new Error(`unknown write ${op}`));
    }
  };
  port.on('message', (calls: WriteCall[] | 'close') => {
    if (calls === 'close') {
      void connection
        .drained()
        .then(() => connection.close())
        .finally(() => port.close());
      return;
    }
    for (const [id, op, arg] of calls) {
      let promise: Promise<unknown>;
      try {
        promise = run(op, arg as never);
      } catch (error) {
        promise = Promise.reject(error);
      }
      promise.then(
        (value) => answer([id, true, value]),
        (error) => answer([id, false, serialize(error)]),
      );
    }
  });
}
