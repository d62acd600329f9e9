import type { Attributes, Meter, MetricOptions, ObservableResult } from '@opentelemetry/api';

/** One series of a counter: its attributes (made once, frozen) and its count. */
interface Series {
  readonly attributes: Attributes;
  count: number;
}

/**
 * Series kept per counter at the most: with the one marked `otel.metric.overflow`, where the counts of any
 * further series go, the SDK's default cardinality limit (2,000), past which it would fold them so itself.
 */
const MAX_SERIES = 1_999;
const OVERFLOW: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/** Series by the parts of their key, one level per part: a lookup hashes no new string. */
type Level = Map<string, Level | Series>;

/**
 * A counter counted here and reported through an observable counter when the SDK collects (its export
 * interval, or a Prometheus scrape): a run or a delivery attempt costs a few `Map` lookups instead of the SDK's
 * synchronous `add` (which sorts and serializes the attributes on every call to find the series). What a
 * reader sees is the same monotonic sum, series by series.
 */
export class ObservedCounter {
  readonly #levels: Level = new Map();
  readonly #series: Series[] = [];
  #overflow: Series | null = null;

  constructor(meter: Meter, name: string, options: MetricOptions) {
    meter.createObservableCounter(name, options).addCallback((result) => this.#observe(result));
  }

  /**
   * Adds one to the series `key` names: its parts are the attribute values (the same number of parts on every
   * call, '' for an attribute left out), so a key stands for exactly one set of attributes. `attributes` is
   * called only for a series not seen before.
   */
  add(key: readonly string[], attributes: () => Attributes): void {
    let level = this.#levels;
    const last = key.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(key[i]!) as Level | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key[i]!, next);
      }
      level = next;
    }
    let series = level.get(key[last]!) as Series | undefined;
    if (series === undefined) {
      if (this.#series.length >= MAX_SERIES) {
        this.#overflow ??= { attributes: OVERFLOW, count: 0 };
        this.#overflow.count++;
        return;
      }
      series = { attributes: Object.freeze(attributes()), count: 0 };
      level.set(key[last]!, series);
      this.#series.push(series);
    }
    series.count++;
  }

  #observe(result: ObservableResult): void {
    for (const { count, attributes } of this.#series) result.observe(count, attributes);
    if (this.#overflow !== null) result.observe(this.#overflow.count, this.#overflow.attributes);
  }
}

/**
 * Counters by meter and name. Every scheduler (or notifier) of the process that records to the same meter
 * shares one: an observable counter reports each series' total, so two callbacks observing the same series
 * (two schedulers without per-job attributes) would each report their own part as the whole, where
 * synchronous adds would have summed.
 */
const counters = new WeakMap<Meter, Map<string, ObservedCounter>>();

/** The counter `name` of `meter`, made on first use. */
export function observedCounter(meter: Meter, name: string, options: MetricOptions): ObservedCounter {
  let byName = counters.get(meter);
  if (byName === undefined) {
    byName = new Map();
    counters.set(meter, byName);
  }
  let counter = byName.get(name);
  if (counter === undefined) {
    counter = new ObservedCounter(meter, name, options);
    byName.set(name, counter);
  }
  return counter;
}
