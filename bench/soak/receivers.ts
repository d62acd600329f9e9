/** Starts the flaky receivers of the soak test in a worker thread and talks to them. */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface ReceiverStats {
  requests: number;
  hung: number;
  failed: number;
  ok: number;
}

export interface FlakyReceivers {
  /** One `http://127.0.0.1:<port>/hook` per receiver. */
  urls: string[];
  /** Counts so far; with `withIds`, every webhook-id answered 2xx (one entry per 2xx, duplicates included). */
  stats(withIds?: boolean): Promise<{ stats: ReceiverStats; okIds: string[] }>;
  close(): Promise<void>;
}

export interface FlakyReceiverOptions {
  receivers: number;
  /** Share of requests never answered. @default 0.05 */
  hangRate?: number;
  /** Share of requests answered 500. @default 0.5 */
  failRate?: number;
  /** PRNG seed of the outcomes. @default 1 */
  seed?: number;
  /**
   * Kill the process (SIGTERM) when the calling thread's event loop has not run a timer for this long: a
   * starved loop cannot report itself. 0 disables. @default 0
   */
  watchdogMs?: number;
}

export async function startFlakyReceivers(options: FlakyReceiverOptions): Promise<FlakyReceivers> {
  const worker = new Worker(new URL('./receiver-worker.mjs', import.meta.url), {
    workerData: {
      receivers: options.receivers,
      hangRate: options.hangRate ?? 0.05,
      failRate: options.failRate ?? 0.5,
      seed: options.seed ?? 1,
      watchdogMs: options.watchdogMs ?? 0,
    },
  });
  const beat = setInterval(() => worker.postMessage({ type: 'beat' }), 1000);
  beat.unref();
  const [ready] = (await once(worker, 'message')) as [{ ports: number[] }];
  return {
    urls: ready.ports.map((port) => `http://127.0.0.1:${port}/hook`),
    async stats(withIds = false) {
      worker.postMessage({ type: 'stats', withIds });
      const [reply] = (await once(worker, 'message')) as [{ stats: ReceiverStats; okIds: string[] }];
      return reply;
    },
    async close() {
      clearInterval(beat);
      worker.postMessage({ type: 'close' });
      await once(worker, 'exit');
    },
  };
}
