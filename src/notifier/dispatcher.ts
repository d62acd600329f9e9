import PQueue from 'p-queue';
import type { Clock } from '../clock.js';
import type { Emitter } from '../events.js';
import { WakeTimer } from '../scheduler/timer.js';
import type { Logger } from '../scheduler/types.js';
import type { Storage } from '../storage/types.js';
import type { Deliverer } from './deliver.js';
import type { ResolvedNotifierOptions } from './options.js';
import type { DeliveryRecord, NotifierEvents } from './types.js';

/** Retention runs at most this often (clock time), and once at start. */
const PRUNE_INTERVAL_MS = 3_600_000;
/** Deliveries deleted per `pruneDeliveries` call, so one call never holds a long transaction. */
const PRUNE_BATCH = 1_000;

export interface DispatcherDeps {
  storage: Storage;
  clock: Clock;
  options: ResolvedNotifierOptions;
  deliverer: Deliverer;
  emitter: Emitter<NotifierEvents>;
  logger: Logger | undefined;
}

/**
 * The outbox loop. Deliveries live in storage; this claims the due ones (leased, so several instances share
 * the work and a crashed instance's deliveries come back when their lease expires) and sends them with at
 * most `concurrency` in flight and `perEndpointConcurrency` per endpoint. One clock timer wakes it for the
 * next due delivery; finishing an attempt or storing a message wakes it at once. It also applies
 * `deliveryRetentionMs` to the delivery log, at start and then at most once an hour.
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #queue: PQueue;
  readonly #timer: WakeTimer;
  readonly #perEndpoint = new Map<string, number>();
  /** Deliveries this instance is attempting: one whose lease ran out mid-attempt is not started twice. */
  readonly #inFlight = new Set<string>();
  #controller = new AbortController();
  #running = false;
  #ticking = false;
  #tickAgain = false;
  /** Clock time of the next retention pass; null when retention is off or the storage cannot prune. */
  #nextPruneAt: number | null = null;
  #pruning: Promise<void> | null = null;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#queue = new PQueue({ concurrency: deps.options.concurrency });
    this.#timer = new WakeTimer(deps.clock, () => this.wake(), {
      unref: deps.options.unref,
      maxWaitMs: deps.storage.shared ? deps.options.pollIntervalMs : 60_000,
    });
  }

  /** Attempts in flight in this instance. */
  get inFlight(): number {
    return this.#queue.pending;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#controller = new AbortController();
    const canPrune = this.#deps.options.deliveryRetentionMs > 0 && this.#deps.storage.pruneDeliveries;
    this.#nextPruneAt = canPrune ? this.#deps.clock.now() : null;
    this.wake();
  }

  /**
   * Stops claiming and waits for attempts in flight. Past `timeoutMs` they are aborted: an aborted attempt is
   * recorded as failed and retried later, by this instance or another.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#running = false;
    this.#timer.cancel();
    await this.#pruning;
    if (this.#queue.pending === 0) return;
    const timer = this.#deps.clock.setTimeout(() => this.#controller.abort(), timeoutMs);
    await this.#queue.onIdle();
    timer.cancel();
  }

  /** Looks for due deliveries now (after a message was stored, an endpoint enabled, or the timer fired). */
  wake(): void {
    if (!this.#running) return;
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#ticking = true;
    void this.#tick().finally(() => {
      this.#ticking = false;
      if (this.#tickAgain) {
        this.#tickAgain = false;
        this.wake();
      }
    });
  }

  async #tick(): Promise<void> {
    const { storage, clock, options } = this.#deps;
    this.#maybePrune();
    try {
      let claimedAny = false;
      while (this.#running && this.#queue.pending < options.concurrency) {
        const now = clock.now();
        const free = options.concurrency - this.#queue.pending;
        const excluded = [...this.#perEndpoint]
          .filter(([, n]) => n >= options.perEndpointConcurrency)
          .map(([id]) => id);
        const claimed = await storage.claimDeliveries({
          now: new Date(now),
          limit: free,
          instanceId: options.instanceId,
          leaseMs: options.leaseMs,
          excludeEndpointIds: excluded,
        });
        if (claimed.length === 0) break;
        claimedAny = true;
        const release: DeliveryRecord[] = [];
        for (const delivery of claimed) {
          if (this.#inFlight.has(delivery.id)) continue;
          if (
            !this.#running ||
            (this.#perEndpoint.get(delivery.endpointId) ?? 0) >= options.perEndpointConcurrency
          ) {
            release.push(delivery);
          } else {
            this.#launch(delivery);
          }
        }
        // A batch may hold more for one endpoint than its limit allows: hand those back at once, unleased.
        await Promise.all(
          release.map((d) => storage.updateDelivery({ ...d, lockedBy: null, lockedUntil: null })),
        );
      }
      if (!this.#running) return;
      const next = (await storage.nextDeliveryAt())?.getTime() ?? null;
      const now = clock.now();
      let wakeAt: number | null = null;
      // Other instances may store deliveries at any time: shared storage is polled.
      if (next === null) wakeAt = storage.shared ? now + options.pollIntervalMs : null;
      else if (next > now) wakeAt = next;
      // Due but not claimable: our slots are full (a finishing attempt wakes us) or the due deliveries wait
      // behind a per-endpoint limit. Without work in flight, back off rather than spin.
      else if (this.#queue.pending === 0 || !claimedAny) wakeAt = now + options.pollIntervalMs;
      if (this.#nextPruneAt !== null && (wakeAt === null || this.#nextPruneAt < wakeAt)) {
        wakeAt = this.#nextPruneAt;
      }
      this.#timer.reset(wakeAt);
    } catch (error) {
      this.#fail(error);
      if (this.#running) this.#timer.wakeAt(clock.now() + options.pollIntervalMs);
    }
  }

  /** Starts a retention pass when one is due; it runs beside claiming, never two at once. */
  #maybePrune(): void {
    const now = this.#deps.clock.now();
    if (this.#nextPruneAt === null || now < this.#nextPruneAt || this.#pruning !== null) return;
    this.#nextPruneAt = now + PRUNE_INTERVAL_MS;
    this.#pruning = this.#prune(new Date(now - this.#deps.options.deliveryRetentionMs)).finally(() => {
      this.#pruning = null;
    });
  }

  async #prune(before: Date): Promise<void> {
    const { storage, logger } = this.#deps;
    try {
      let removed = 0;
      for (;;) {
        const n = await storage.pruneDeliveries!({ before, limit: PRUNE_BATCH });
        removed += n;
        if (n < PRUNE_BATCH || !this.#running) break;
      }
      if (removed > 0)
        logger?.debug?.('cronhook: pruned finished deliveries', { removed, before: before.toISOString() });
    } catch (error) {
      // Retention is housekeeping: a failed pass is reported and tried again at the next interval.
      this.#fail(error);
    }
  }

  #launch(delivery: DeliveryRecord): void {
    const { deliverer, options } = this.#deps;
    const endpointId = delivery.endpointId;
    this.#perEndpoint.set(endpointId, (this.#perEndpoint.get(endpointId) ?? 0) + 1);
    this.#inFlight.add(delivery.id);
    // A pending delivery whose retries were spent has been put back by replay().
    const trigger = delivery.attempts > options.retrySchedule.length ? 'replay' : 'auto';
    void this.#queue
      .add(() => deliverer.deliver(delivery, trigger, this.#controller.signal))
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        this.#inFlight.delete(delivery.id);
        const n = (this.#perEndpoint.get(endpointId) ?? 1) - 1;
        if (n <= 0) this.#perEndpoint.delete(endpointId);
        else this.#perEndpoint.set(endpointId, n);
        this.wake();
      });
  }

  /** Storage trouble: reported, and the loop carries on (leases bring unfinished deliveries back). */
  #fail(error: unknown): void {
    const { emitter, clock, logger } = this.#deps;
    const message = error instanceof Error ? error.message : String(error);
    logger?.error?.('cronhook: webhook dispatcher error', { error: message });
    void emitter.emit('error', { type: 'error', at: new Date(clock.now()), error });
  }
}
