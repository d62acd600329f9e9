import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CronhookError, type CronhookErrorCode } from '../../../errors.js';
import type { WriteLock } from './lock.js';
import {
  type SerializedError,
  serveWrites,
  type WriteCall,
  type WriteOp,
  type WriteReply,
  type WriteServerData,
} from './server.js';

const MARK = 'cronhook:sqlite-write-thread';

// The write thread imports this very module (whatever file a bundler put it in: no file of its own to
// ship or find) and starts serving here.
if (!isMainThread && parentPort !== null) {
  const data = (workerData as Record<string, WriteServerData> | null)?.[MARK];
  if (data !== undefined) serveWrites(parentPort, data);
}

// Evaluated as is in the new thread. From TypeScript sources (tests, tsx), Node strips the types itself; the
// sources' `.js` specifiers of `.ts` files need resolving, and the compile cache spares each new thread most of
// the ~0.5 s of compiling them again.
const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
const { enableCompileCache, registerHooks } = require('node:module');
if (workerData.url.endsWith('.ts')) enableCompileCache();
if (workerData.url.endsWith('.ts')) registerHooks({
  resolve(specifier, context, next) {
    try { return next(specifier, context); } catch (error) {
      if (!/^\\.{1,2}\\/.*\\.js$/.test(specifier)) throw error;
      return next(specifier.slice(0, -3) + '.ts', context);
    }
  },
});
import(workerData.url).catch((e) => parentPort.postMessage({ failed: String((e && e.stack) || e) }));
`;

let available: boolean | undefined;

/**
 * Whether the write thread can start: it imports the module this code is in, which must then be cronhook's
 * own file (in its package's dist/, or its sources). Bundled into an app, this code would make the thread
 * import, and run, the whole app: it is then not started.
 */
export function writeThreadAvailable(): boolean {
  available ??= inCronhookPackage(import.meta.url);
  return available;
}

/** Whether the file at `url` belongs to the package named cronhook (the nearest package.json up its folders). */
export function inCronhookPackage(url: string): boolean {
  if (!url.startsWith('file:')) return false;
  let dir = dirname(fileURLToPath(url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'cronhook';
      } catch {
        return false;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

function revive(error: SerializedError): Error {
  if (error.name === 'CronhookError' && error.code !== undefined)
    return new CronhookError(error.code as CronhookErrorCode, error.message, { field: error.field });
  const revived = new Error(error.message);
  revived.name = error.name;
  return revived;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The main thread's side of the write thread (see `SqliteStorageOptions.writeThread`): a worker thread with
 * a connection of its own to the file runs the outbox's writes. Calls made within one turn of the event loop
 * go in one message, and their answers come back a turn of the worker's at a time, so a structured clone and
 * a message are paid per batch, not per call.
 *
 * Should the thread fail (it cannot start, it throws, it exits), every call waiting for it rejects with
 * `ERR_STORAGE` (the write may or may not have been committed: as with a crash, the outbox's leases and
 * retries make up for it), {@link broken} turns true, and the storage runs its writes on the main thread
 * from then on.
 */
export class WriteThread {
  readonly #lock: WriteLock;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #exited: Promise<void>;
  #next = 1;
  #batch: WriteCall[] = [];
  #broken: Error | null = null;
  readonly #send = () => {
    if (this.#batch.length === 0 || this.#broken !== null) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#worker.postMessage(batch);
  };

  /** `lock`: the one the main thread's connection takes too. */
  constructor(connection: WriteServerData['connection'], lock: WriteLock) {
    this.#lock = lock;
    const data: WriteServerData = { connection, lock: lock.buffer };
    this.#worker = new Worker(BOOT, { eval: true, workerData: { url: import.meta.url, [MARK]: data } });
    this.#worker.on('message', (message: WriteReply[] | { failed: string }) => {
      if (Array.isArray(message)) this.#answered(message);
      else this.#fail(`could not start: ${message.failed}`);
    });
    this.#worker.on('error', (error) => this.#fail(error.message));
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        this.#fail('exited');
        resolve();
      }),
    );
    // Only calls waiting for an answer keep the process alive (after the listeners: adding a 'message'
    // listener refs the worker again).
    this.#worker.unref();
  }

  /** Why the thread no longer runs writes; null while it does. */
  get broken(): Error | null {
    return this.#broken;
  }

  /** Runs `op` on the write thread; rejects with `ERR_STORAGE` if the thread fails first. */
  call<T>(op: WriteOp, arg: unknown): Promise<T> {
    if (this.#broken !== null) return Promise.reject(this.#broken);
    const id = this.#next++;
    if (this.#batch.length === 0) setImmediate(this.#send);
    this.#batch.push([id, op, arg]);
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
  }

  #answered(replies: WriteReply[]): void {
    for (const reply of replies) {
      const pending = this.#pending.get(reply[0]);
      if (pending === undefined) continue;
      this.#pending.delete(reply[0]);
      if (reply[1]) pending.resolve(reply[2]);
      else pending.reject(revive(reply[2]));
    }
    if (this.#pending.size === 0) this.#worker.unref();
  }

  #fail(reason: string): void {
    if (this.#broken !== null) return;
    this.#broken = new CronhookError('ERR_STORAGE', `SQLite write thread stopped: ${reason}`);
    // A thread that died in a transaction holds the lock no more (its connection went with it).
    this.#lock.release();
    for (const pending of this.#pending.values()) pending.reject(this.#broken);
    this.#pending.clear();
    this.#batch = [];
  }

  /** Stops the thread (a test's stand-in for a crash). */
  terminate(): Promise<void> {
    void this.#worker.terminate();
    return this.#exited;
  }

  /** Lets the thread settle every call made so far, close its connection and exit. */
  async close(): Promise<void> {
    if (this.#broken === null) {
      this.#worker.ref();
      this.#send();
      this.#worker.postMessage('close');
    }
    await this.#exited;
  }
}
