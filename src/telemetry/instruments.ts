import type { Histogram, Meter } from '@opentelemetry/api';
import type { OtelBinding } from './binding.js';
import { HTTP_DURATION_BUCKETS, LATENESS_BUCKETS, METRIC, RUN_DURATION_BUCKETS } from './names.js';
import { type ObservedCounter, observedCounter } from './observed-counter.js';

/**
 * A set of instruments made from the current meter, made again when the meter changes (an SDK registered
 * after the scheduler started). Null while the meter is the API's no-op one, so nothing is even computed.
 */
export class Instruments<T> {
  readonly #binding: OtelBinding;
  readonly #create: (meter: Meter) => T;
  readonly #onMeter: ((meter: Meter | null) => void) | undefined;
  #of: Meter | null = null;
  #made: T | null = null;

  /** @param onMeter told of each change of meter (the storage gauges move with it). */
  constructor(binding: OtelBinding, create: (meter: Meter) => T, onMeter?: (meter: Meter | null) => void) {
    this.#binding = binding;
    this.#create = create;
    this.#onMeter = onMeter;
  }

  get(): T | null {
    const meter = this.#binding.meter();
    if (meter !== this.#of) {
      this.#of = meter;
      this.#made = meter === null ? null : this.#create(meter);
      this.#onMeter?.(meter);
    }
    return this.#made;
  }

  /** The meter the instruments were made from (after {@link get}). */
  get meter(): Meter | null {
    return this.#of;
  }
}

/**
 * `http.client.request.duration` as the HTTP semantic conventions define it (the scheduler and the notifier
 * both record to it; made with the same description so an SDK merges the two into one instrument).
 */
export function httpDurationHistogram(meter: Meter): Histogram {
  return meter.createHistogram(METRIC.httpDuration, {
    description: 'Duration of HTTP client requests: job calls and webhook delivery attempts.',
    unit: 's',
    advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS },
  });
}

/** The scheduler's instruments. */
export interface RunInstruments {
  http: Histogram;
  runs: ObservedCounter;
  duration: Histogram;
  lateness: Histogram;
}

export function runInstruments(meter: Meter): RunInstruments {
  return {
    http: httpDurationHistogram(meter),
    runs: observedCounter(meter, METRIC.runs, {
      description: 'Runs that ended, by job, final status and trigger (skipped and missed ones included).',
      unit: '{run}',
    }),
    duration: meter.createHistogram(METRIC.runDuration, {
      description: 'Duration of runs, from start to outcome, all attempts and retry delays included.',
      unit: 's',
      advice: { explicitBucketBoundaries: RUN_DURATION_BUCKETS },
    }),
    lateness: meter.createHistogram(METRIC.runLateness, {
      description: 'How long after its scheduled time a run started.',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENESS_BUCKETS },
    }),
  };
}

/** The notifier's instruments. */
export interface DeliveryInstruments {
  http: Histogram;
  attempts: ObservedCounter;
}

export function deliveryInstruments(meter: Meter): DeliveryInstruments {
  return {
    http: httpDurationHistogram(meter),
    attempts: observedCounter(meter, METRIC.deliveryAttempts, {
      description:
        'Delivery attempts, by endpoint, topic, trigger and outcome (succeeded, retrying, failed).',
      unit: '{attempt}',
    }),
  };
}
