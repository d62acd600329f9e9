import type { MessagePort } from 'node:worker_threads';
import type { DeliveryRecord, EndpointRecord, Message } from '../../../notifier/types.js';
import type { ClaimDeliveriesOptions } from '../../types.js';
import { SqliteConnection, type SqliteConnectionOptions } from '../connection/connection.js';
import { SqliteOutbox } from '../outbox.js';
import { WriteLock } from './lock.js';

/** The outbox writes a write thread runs: the names of `SqliteOutbox`'s methods, and `claim`. */
export type WriteOp =
  | 'insertMessage'
  | 'insertFanout'
  | 'claim'
  | 'completeAttempt'
  | 'updateDelivery'
  | 'pruneDeliveries';
/** One call posted to the write thread: id, operation, argument. */
export type WriteCall = [number, WriteOp, unknown];
/** One answer: id, whether it succeeded, its value or its error. */
export type WriteReply = [number, true, unknown] | [number, false, SerializedError];
/** What a claim answers: the deliveries, their messages and their endpoints (each once). */
export type ClaimReply = [DeliveryRecord[], Message[], EndpointRecord[]];

/** An error as it crosses threads (a structured clone keeps neither its class nor a CronhookError's code). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  field?: string;
}

/** What the write thread is started with. */
export interface WriteServerData {
  connection: Pick<SqliteConnectionOptions, 'path' | 'busyTimeoutMs' | 'synchronous'>;
  lock: SharedArrayBuffer;
}

function serialize(error: unknown): SerializedError {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown; field?: unknown };
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(error),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.field === 'string' ? { field: e.field } : {}),
  };
}

/**
 * The write thread's side: an outbox on a connection of its own runs the calls, with the same group commits
 * and flushes as on the main thread. The answers settled within one turn of this thread go back in one
 * message. A claim also answers with its deliveries' messages and endpoints as it read them, so the main
 * thread reads neither again for the attempts.
 */
export function serveWrites(port: MessagePort, data: WriteServerData): void {
  const connection = new SqliteConnection({
    ...data.connection,
    lock: new WriteLock(data.lock, true),
  });
  const outbox = new SqliteOutbox(connection);
  let replies: WriteReply[] = [];
  const flush = () => {
    if (replies.length === 0) return;
    const batch = replies;
    replies = [];
    port.postMessage(batch);
  };
  const answer = (reply: WriteReply) => {
    if (replies.length === 0) setImmediate(flush);
    replies.push(reply);
  };
  const claim = async (options: ClaimDeliveriesOptions): Promise<ClaimReply> => {
    const deliveries = await outbox.claimDeliveries(options);
    const messages = new Map<string, Message>();
    const endpoints = new Map<string, EndpointRecord>();
    for (const { messageId, endpointId } of deliveries) {
      if (!messages.has(messageId)) {
        const message = outbox.getMessage(messageId);
        if (message !== null) messages.set(messageId, message);
      }
      if (!endpoints.has(endpointId)) {
        const endpoint = outbox.getEndpoint(endpointId);
        if (endpoint !== null) endpoints.set(endpointId, endpoint);
      }
    }
    return [deliveries, [...messages.values()], [...endpoints.values()]];
  };
  const run = (op: WriteOp, arg: never): Promise<unknown> => {
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
    }
  };
  port.on('message', (calls: WriteCall[] | 'close') => {
    if (calls === 'close') {
      // Every write settles first, and its answer goes before the port closes.
      void connection
        .drained()
        .then(() => connection.close())
        .finally(() => {
          flush();
          port.close();
        });
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
        (error: unknown) => answer([id, false, serialize(error)]),
      );
    }
  });
}
