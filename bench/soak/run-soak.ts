/**
 * The soak test: many jobs firing every second on the real clock, each success delivered as a webhook by
 * WebhookNotifier + HttpTransport to flaky loopback receivers (50% answer 500, 5% never answer). It samples
 * the heap after GC as it goes, then stops everything, timing `stop()`, and accounts for every message:
 * delivered (a 2xx reached the receiver) or still pending in retry. Used by `npm run soak` (bench/soak.ts) and,
 * scaled down, by test/soak/soak-short.test.ts.
 */
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { HttpTransport } from '../../src/transport/http.js';
import { settledHeapMB, slope } from './heap.js';
import { type ReceiverStats, startFlakyReceivers } from './receivers.js';
import { counted, openStorage, type SoakStorageKind } from './storage.js';

export interface SoakOptions {
  jobs: number;
  durationMs: number;
  /** Loopback receivers, one endpoint each; job i is delivered to receiver i % receivers. */
  receivers: number;
  /** Postgres: a throwaway server with default durability (bench/lib/postgres.ts). */
  storage: SoakStorageKind;
  /** The notifier's `deliveryRetentionMs`. @default the notifier's (7 days) */
  deliveryRetentionMs?: number;
  /** Per delivery attempt. */
  attemptTimeoutMs: number;
  /** Given to both `scheduler.stop()` and `notifier.stop()`. */
  stopTimeoutMs: number;
  /** Heap after GC is sampled this often when `gc` is exposed (`node --expose-gc`). */
  sampleEveryMs: number;
  /** See {@link FlakyReceiverOptions.watchdogMs}. @default 0 (off) */
  watchdogMs?: number;
  schedulerConcurrency: number;
  notifierConcurrency: number;
  /**
   * Per-endpoint limit. @default notifierConcurrency (only the global limit applies: with per-endpoint limits
   * reached, MemoryStorage's claim walks every due delivery of the excluded endpoints on each claim)
   */
  perEndpointConcurrency?: number;
  log?: (line: string) => void;
}

export interface SoakSample {
  atS: number;
  heapMB: number | null;
  rssMB: number;
  runsSucceeded: number;
  attempts: number;
  deliveriesSucceeded: number;
}

export interface SoakReport {
  options: Omit<SoakOptions, 'log'>;
  /** Heap after GC before anything was created. */
  baselineHeapMB: number | null;
  samples: SoakSample[];
  /** Retained in memory per stored delivery (its message, record and attempts): heap growth / deliveries stored. */
  heapPerDeliveryKB: number | null;
  /** Least-squares slope of heap after GC over the samples after the first third (warm-up), MB per minute. */
  heapSlopeMBPerMin: number | null;
  /** `failedErrors`: error code → failed runs (a run cut short by `stop()` fails with ERR_STOPPED). */
  runs: { succeeded: number; failed: number; failedErrors: Record<string, number>; perSecond: number };
  /**
   * `total` deliveries stored (counted at `insertMessage`), `pruned` of them deleted by retention (finished
   * ones only); the rest are in storage at the end with the status given.
   */
  deliveries: { total: number; pruned: number; succeeded: number; pending: number; failed: number };
  /** Last error code of the deliveries not yet succeeded, and how many carry it. */
  pendingErrors: Record<string, number>;
  receiver: ReceiverStats & { distinctOkIds: number; duplicateOks: number };
  /** Succeeded runs with no stored delivery, and deliveries marked succeeded the receiver never answered 2xx. */
  /**
   * Succeeded runs with no stored delivery; deliveries still stored as succeeded that the receiver never
   * answered 2xx; deliveries that exhausted their retries (from `delivery.failed`, so pruned ones count).
   */
  lost: {
    runsWithoutDelivery: number;
    /** Stored deliveries neither pruned nor found in storage at the end. */
    vanished: number;
    succeededNeverReceived: number;
    failedAfterAllRetries: number;
  };
  stop: { schedulerMs: number; notifierMs: number; timeoutMs: number };
}

/** A retry schedule long enough that a 55%-failing receiver practically never exhausts it. */
function retrySchedule(): number[] {
  return [100, 250, 500, ...Array.from({ length: 37 }, () => 1000)];
}

/** Heap growth per delivery stored (every succeeded run stores one), over the steady part of the run. */
function perDelivery(steady: SoakSample[]): number | null {
  const first = steady[0];
  const last = steady[steady.length - 1];
  if (
    !first ||
    !last ||
    first.heapMB === null ||
    last.heapMB === null ||
    last.runsSucceeded === first.runsSucceeded
  )
    return null;
  return ((last.heapMB - first.heapMB) * 1024) / (last.runsSucceeded - first.runsSucceeded);
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const baselineHeapMB = settledHeapMB();
  const receivers = await startFlakyReceivers({
    receivers: options.receivers,
    watchdogMs: options.watchdogMs ?? 0,
  });
  const opened = await openStorage(options.storage);
  const stored = { inserted: 0, pruned: 0 };
  const storage = counted(opened.storage, stored);
  const transport = new HttpTransport({ connectTimeoutMs: 1_000 });
  const scheduler = new Scheduler({
    storage,
    transport,
    concurrency: options.schedulerConcurrency,
    runRetention: 3,
  });
  const notifier = new WebhookNotifier({
    scheduler,
    storage,
    transport,
    allowPrivateNetworks: true,
    attemptTimeoutMs: options.attemptTimeoutMs,
    retrySchedule: retrySchedule(),
    concurrency: options.notifierConcurrency,
    perEndpointConcurrency: options.perEndpointConcurrency ?? options.notifierConcurrency,
    ...(options.deliveryRetentionMs === undefined
      ? {}
      : { deliveryRetentionMs: options.deliveryRetentionMs }),
  });

  const counts = {
    runsSucceeded: 0,
    runsFailed: 0,
    attempts: 0,
    deliveriesSucceeded: 0,
    deliveriesFailed: 0,
  };
  scheduler.on('job.succeeded', () => void counts.runsSucceeded++);
  const runErrors: Record<string, number> = {};
  scheduler.on('job.failed', (e) => {
    counts.runsFailed++;
    runErrors[e.error.code] = (runErrors[e.error.code] ?? 0) + 1;
  });
  scheduler.on('error', (e) => log(`scheduler error: ${String((e.error as Error)?.message ?? e.error)}`));
  notifier.on('error', (e) => log(`notifier error: ${String((e.error as Error)?.message ?? e.error)}`));
  notifier.on('delivery.succeeded', () => {
    counts.attempts++;
    counts.deliveriesSucceeded++;
  });
  notifier.on('delivery.retrying', () => void counts.attempts++);
  notifier.on('delivery.failed', () => {
    counts.attempts++;
    counts.deliveriesFailed++;
  });

  scheduler.handle('tick', () => undefined);
  await storage.migrate();
  for (const [i, url] of receivers.urls.entries()) {
    await notifier.addEndpoint({
      url,
      topics: ['job.execution.succeeded'],
      match: { metadata: { receiver: i } },
    });
  }
  for (let i = 0; i < options.jobs; i++) {
    await scheduler.addJob({
      id: `soak-${i}`,
      schedule: { every: 1000 },
      target: { handler: 'tick' },
      metadata: { receiver: i % options.receivers },
    });
  }
  log(
    `${options.jobs} jobs, ${options.receivers} receivers, ${options.storage} storage; running ${options.durationMs / 1000} s`,
  );

  const started = performance.now();
  await scheduler.start();
  await notifier.start();
  const samples: SoakSample[] = [];
  const sample = () => {
    const s: SoakSample = {
      atS: Math.round((performance.now() - started) / 100) / 10,
      heapMB: settledHeapMB(),
      rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
      runsSucceeded: counts.runsSucceeded,
      attempts: counts.attempts,
      deliveriesSucceeded: counts.deliveriesSucceeded,
    };
    samples.push(s);
    log(
      `t=${s.atS}s heap=${s.heapMB?.toFixed(1) ?? 'n/a'}MB rss=${s.rssMB}MB runs=${s.runsSucceeded} attempts=${s.attempts} delivered=${s.deliveriesSucceeded}`,
    );
  };
  while (performance.now() - started < options.durationMs) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.sampleEveryMs, options.durationMs)));
    sample();
  }

  const t0 = performance.now();
  await scheduler.stop({ timeoutMs: options.stopTimeoutMs });
  const schedulerMs = performance.now() - t0;
  const t1 = performance.now();
  await notifier.stop({ timeoutMs: options.stopTimeoutMs });
  const notifierMs = performance.now() - t1;
  log(`stop: scheduler ${schedulerMs.toFixed(0)} ms, notifier ${notifierMs.toFixed(0)} ms`);
  const elapsedS = (t0 - started) / 1000;

  const deliveries = await storage.listDeliveries({ limit: Number.MAX_SAFE_INTEGER });
  const { stats, okIds } = await receivers.stats(true);
  const received = new Set(okIds);
  const byStatus = { succeeded: 0, pending: 0, failed: 0 };
  let succeededNeverReceived = 0;
  const pendingErrors: Record<string, number> = {};
  for (const d of deliveries) {
    byStatus[d.status]++;
    if (d.status !== 'succeeded') {
      const code =
        d.lastError?.code ?? (d.lastStatusCode === null ? 'not attempted' : `HTTP ${d.lastStatusCode}`);
      pendingErrors[code] = (pendingErrors[code] ?? 0) + 1;
    }
    if (d.status === 'succeeded' && !received.has(d.messageId)) succeededNeverReceived++;
  }
  await receivers.close();
  await transport.close();
  await opened.close();

  const steady = samples.slice(Math.floor(samples.length / 3));
  const heapPoints = steady.flatMap((s) =>
    s.heapMB === null ? [] : [[s.atS / 60, s.heapMB] as [number, number]],
  );
  const { log: _log, ...shown } = options;
  return {
    options: shown,
    baselineHeapMB,
    samples,
    heapSlopeMBPerMin: slope(heapPoints),
    heapPerDeliveryKB: perDelivery(steady),
    runs: {
      succeeded: counts.runsSucceeded,
      failed: counts.runsFailed,
      failedErrors: runErrors,
      perSecond: Math.round(counts.runsSucceeded / elapsedS),
    },
    deliveries: { total: stored.inserted, pruned: stored.pruned, ...byStatus },
    pendingErrors,
    receiver: { ...stats, distinctOkIds: received.size, duplicateOks: okIds.length - received.size },
    lost: {
      runsWithoutDelivery: counts.runsSucceeded - stored.inserted,
      vanished: stored.inserted - stored.pruned - deliveries.length,
      succeededNeverReceived,
      failedAfterAllRetries: counts.deliveriesFailed,
    },
    stop: {
      schedulerMs: Math.round(schedulerMs),
      notifierMs: Math.round(notifierMs),
      timeoutMs: options.stopTimeoutMs,
    },
  };
}
