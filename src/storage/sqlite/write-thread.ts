import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CronhookError, type CronhookErrorCode } from '../../errors.js';
import type { DataVersionSource } from './changes.js';
import type { SqliteConnectionOptions } from './connection.js';
import {
  type SerializedError,
  serveWrites,
  type WriteCall,
  type WriteReply,
  type WriteServerData,
} from './write-server.js';

const MARK = 'cronhook:sqlite-write-thread';

// The worker imports this very module (whichever file the bundler put it in) and starts serving here.
if (!isMainThread && parentPort !== null && (workerData as Record<string, unknown> | null)?.[MARK]) {
  serveWrites(parentPort, (workerData as Record<string, WriteServerData>)[MARK]!);
}

const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.url).catch((e) => parentPort.postMessage({ fatal: String((e && e.stack) || e) }));
`;

function revive(error: SerializedError): Error {
  if (error.code !== undefined && error.name === 'CronhookError')
    return new CronhookError(error.code as CronhookErrorCode, error.message, { field: error.field });
  const revived = new Error(error.message);
  revived.name = error.name;
  return revived;
}

/** Main side: posts the outbox's writes to a worker that owns a connection of its own, in batches. */
export class WriteThread implements DataVersionSource {
  readonly #worker: Worker;
  readonly #foreign = new Int32Array(new SharedArrayBuffer(4));
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;
  #batch: WriteCall[] = [];
  #exited: Promise<void>;
  readonly #send = () => {
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    this.#worker.postMessage(batch);
  };

  constructor(options: Omit<SqliteConnectionOptions, 'flush'>) {
    const url = import.meta.url;
    this.#worker = new Worker(BOOT, {
      eval: true,
      workerData: { url, [MARK]: { ...options, foreign: this.#foreign } },
      execArgv: url.endsWith('.ts') ? [...process.execArgv, '--import', 'tsx'] : undefined,
    });
    this.#worker.unref();
    this.#worker.on('message', (replies: WriteReply[] | { fatal: string }) => {
      if (!Array.isArray(replies)) {
        this.#fail(new Error(replies.fatal));
        return;
      }
      for (const [id, ok, value] of replies) {
        const call = this.#pending.get(id);
        if (call === undefined) continue;
        this.#pending.delete(id);
        if (ok) call.resolve(value);
        else call.reject(revive(value as SerializedError));
      }
      if (this.#pending.size === 0) this.#worker.unref();
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        this.#fail(new Error('the SQLite write thread exited'));
        resolve();
      }),
    );
  }

  #fail(error: Error): void {
    for (const call of this.#pending.values()) call.reject(error);
    this.#pending.clear();
  }

  call<T>(op: string, arg: unknown): Promise<T> {
    const id = this.#next++;
    if (this.#batch.length === 0) setImmediate(this.#send);
    this.#batch.push([id, op, arg]);
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /** Counts other connections' commits as the worker saw them. */
  dataVersion(): number {
    return Atomics.load(this.#foreign, 0);
  }

  async close(): Promise<void> {
    this.#worker.ref();
    this.#send();
    this.#worker.postMessage('close');
    await this.#exited;
  }
}
