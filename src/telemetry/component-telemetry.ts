import type { Meter } from '@opentelemetry/api';
import type { Clock } from '../clock.js';
import type { Storage } from '../storage/types.js';
import type { OtelBinding } from './binding.js';
import type { LifecycleHooks } from './hooks.js';
import { Instruments } from './instruments.js';
import { type GaugeSet, StorageObserver } from './storage-gauges.js';

/**
 * What the scheduler's and the notifier's telemetry share: the binding, their instruments, and the storage
 * gauges observed between `start()` and `stop()` (moved to a new meter with the instruments).
 */
export abstract class ComponentTelemetry<I> implements LifecycleHooks {
  readonly binding: OtelBinding;
  readonly instruments: Instruments<I>;
  readonly #gauges: StorageObserver;

  constructor(binding: OtelBinding, clock: Clock, gauges: GaugeSet, create: (meter: Meter) => I) {
    this.binding = binding;
    this.#gauges = new StorageObserver(clock, gauges);
    this.instruments = new Instruments(binding, create, (meter) => this.#gauges.attach(meter));
  }

  started(storage: Storage): void {
    this.instruments.get();
    this.#gauges.start(storage, this.instruments.meter);
  }

  stopped(): void {
    this.#gauges.stop();
  }
}
