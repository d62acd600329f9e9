import type { BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { Clock } from '../clock.js';
import { ATTR, METRIC } from './names.js';

/** The counts the gauges read: the parts of the optional `Storage.stats()` capability they use. */
export interface GaugeStats {
  jobs: { failing: number };
  endpoints: { disabled: { manual: number; gone: number; failing: number } };
  deliveries: { pending: number; oldestPendingAt: Date | null };
}

/** A storage that may count (the `stats` capability is optional: custom adapters may lack it). */
export interface CountingStorage {
  stats?(input: { now: Date }): Promise<GaugeStats>;
}

/** Which gauges: the scheduler's (jobs failing) or the notifier's (outbox and endpoints). */
export type GaugeSet = 'scheduler' | 'notifier';

/**
 * One `stats()` call serves every gauge collected at once: the SDK runs the callbacks of one collection
 * together, and the scheduler's and the notifier's (which share a storage) then share the count in flight.
 */
const inFlight = new WeakMap<object, Promise<GaugeStats>>();

function readStats(storage: CountingStorage, clock: Clock): Promise<GaugeStats> {
  const pending = inFlight.get(storage);
  if (pending !== undefined) return pending;
  const stats = storage.stats!({ now: new Date(clock.now()) });
  inFlight.set(storage, stats);
  const done = () => inFlight.delete(storage);
  stats.then(done, done);
  return stats;
}

/**
 * Registers the gauges of `set` on `meter`, read from `storage.stats()` when the SDK collects (its export
 * interval: no timer of ours). Returns the function that unregisters them, or null when the storage cannot
 * count. A failed count observes nothing that round (a gap in the series, not a zero).
 */
export function observeStorage(
  meter: Meter,
  storage: CountingStorage,
  clock: Clock,
  set: GaugeSet,
): (() => void) | null {
  if (typeof storage.stats !== 'function') return null;
  if (set === 'scheduler') {
    const failing = meter.createObservableGauge(METRIC.jobsFailing, {
      description: 'Enabled jobs whose latest finished run failed.',
      unit: '{job}',
    });
    return batch(meter, [failing], storage, clock, (stats, result) => {
      result.observe(failing, stats.jobs.failing);
    });
  }
  const depth = meter.createObservableGauge(METRIC.outboxDepth, {
    description:
      'Deliveries pending in the outbox (due now, waiting for a retry, or held by a disabled endpoint).',
    unit: '{delivery}',
  });
  const oldest = meter.createObservableGauge(METRIC.outboxOldestAge, {
    description: 'Age of the oldest pending delivery; 0 when none is pending.',
    unit: 's',
  });
  const disabled = meter.createObservableGauge(METRIC.endpointsDisabled, {
    description:
      'Disabled endpoints, by reason: manual, gone (answered 410) or failing (for disableAfterMs).',
    unit: '{endpoint}',
  });
  return batch(meter, [depth, oldest, disabled], storage, clock, (stats, result) => {
    result.observe(depth, stats.deliveries.pending);
    const since = stats.deliveries.oldestPendingAt;
    result.observe(oldest, since === null ? 0 : Math.max(0, clock.now() - since.getTime()) / 1000);
    for (const reason of ['manual', 'gone', 'failing'] as const) {
      result.observe(disabled, stats.endpoints.disabled[reason], { [ATTR.disabledReason]: reason });
    }
  });
}

function batch(
  meter: Meter,
  observables: Observable[],
  storage: CountingStorage,
  clock: Clock,
  observe: (stats: GaugeStats, result: BatchObservableResult) => void,
): () => void {
  const callback = async (result: BatchObservableResult) => {
    let stats: GaugeStats;
    try {
      stats = await readStats(storage, clock);
    } catch {
      return;
    }
    observe(stats, result);
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

/**
 * The gauges of one scheduler or notifier: registered on `start` (when the storage can count), moved to a new
 * meter when the SDK changes (see {@link attach}), unregistered on `stop`.
 */
export class StorageObserver {
  readonly #clock: Clock;
  readonly #set: GaugeSet;
  #storage: CountingStorage | null = null;
  #meter: Meter | null = null;
  #off: (() => void) | null = null;

  constructor(clock: Clock, set: GaugeSet) {
    this.#clock = clock;
    this.#set = set;
  }

  /** Observes `storage` on `meter` from now on (the scheduler or notifier started). */
  start(storage: object, meter: Meter | null): void {
    this.#storage = storage as CountingStorage;
    this.#meter = null;
    this.attach(meter);
  }

  /** The meter is (now) `meter`: the gauges move to it. */
  attach(meter: Meter | null): void {
    if (meter === this.#meter) return;
    this.#off?.();
    this.#off = null;
    this.#meter = meter;
    if (meter !== null && this.#storage !== null) {
      this.#off = observeStorage(meter, this.#storage, this.#clock, this.#set);
    }
  }

  stop(): void {
    this.#off?.();
    this.#off = null;
    this.#storage = null;
    this.#meter = null;
  }
}
