import type { Clock } from '../../clock.js';
import { isCronhookError } from '../../errors.js';
import type { Emitter } from '../../events.js';
import { WakeTimer } from '../../scheduler/timer.js';
import type { Logger } from '../../scheduler/types.js';
import type { Storage } from '../../storage/types.js';
import type { ResolvedNotifierOptions } from '../options.js';
import type { DeliveryRecord, NotifierEvents } from '../types.js';
import type { Deliverer } from './deliverer.js';
import { FairShare } from './fair-share.js';

/**
 * Time between retention passes (clock time; one pass also runs at start): a tenth of the retention, so a
 * finished delivery is gone at most 10% after its retention ran out (60 s kept: gone within 66 s), between
 * one second (a pass is a storage query; sub-second precision is not worth a query per tick) and one hour
 * (the default 7 days still prunes hourly, not every 16.8 h).
 */
export function pruneIntervalMs(retentionMs: number): number {
  return Math.min(MAX_PRUNE_INTERVAL_MS, Math.max(MIN_PRUNE_INTERVAL_MS, Math.floor(retentionMs / 10)));
}
const MIN_PRUNE_INTERVAL_MS = 1_000;
const MAX_PRUNE_INTERVAL_MS = 3_600_000;
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
 * most `concurrency` requests in flight and `perEndpointConcurrency` per endpoint, slow endpoints limited by
 * {@link FairShare} so that stalling receivers cannot hold every slot. A request's slot is free
 * again once it is answered, while its result is being stored, so the storage's commit latency does not
 * idle the slot (no request starts while `concurrency` results wait to be stored). One clock timer wakes
 * it for the next due delivery; storing a message wakes it at once, and so do answered attempts, coalesced:
 * those answered within one turn of the event loop free their slots together and are refilled by one claim,
 * not one claim (a storage round trip) each. It also applies `deliveryRetentionMs` to the delivery log, at
 * start and then every tenth of the retention (at least a second, at most an hour apart).
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #timer: WakeTimer;
  /** Requests in flight: each holds one of the `concurrency` slots. */
  #active = 0;
  /**
   * Attempts answered (or failed) whose results are being stored. Their slots are free already, so a storage
   * commit does not hold up the next request; but no request starts while `concurrency` of them wait, so a
   * slow store slows sending instead of piling up results.
   */
  #recording = 0;
  /** Resolved when the last attempt in flight is recorded (stop() waits for it). */
  #idle: (() => void) | null = null;
  /** A wake is queued for the end of this event-loop turn (attempts finished). */
  #wakeQueued = false;
  /** Attempts in flight per endpoint, and which endpoints are slow. */
  readonly #share: FairShare;
  /**
   * Endpoints whose secrets this instance could not decrypt (ERR_ENCRYPTION_KEY), with the clock time until
   * which their deliveries are left alone: they would fail the same way, so that is reported once a lease.
   */
  readonly #undecryptable = new Map<string, number>();
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
    this.#share = new FairShare(deps.options);
    this.#timer = new WakeTimer(deps.clock, () => this.wake(), {
      unref: deps.options.unref,
      maxWaitMs: deps.storage.shared ? deps.options.pollIntervalMs : 60_000,
    });
  }

  /** Attempts in flight in this instance, until their results are stored. */
  get inFlight(): number {
    return this.#active + this.#recording;
  }

  /** A slot is free, and results waiting to be stored are not backed up. */
  #hasRoom(): boolean {
    const { concurrency } = this.#deps.options;
    return this.#active < concurrency && this.#recording < concurrency;
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
    if (this.inFlight === 0) return;
    const timer = this.#deps.clock.setTimeout(() => this.#controller.abort(), timeoutMs);
    await new Promise<void>((resolve) => {
      const earlier = this.#idle;
      this.#idle = () => {
        earlier?.();
        resolve();
      };
    });
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
      while (this.#running && this.#hasRoom()) {
        const now = clock.now();
        const free = options.concurrency - this.#active;
        const excluded = this.#share.excluded(now);
        for (const [id, until] of this.#undecryptable) {
          if (until > now) excluded.push(id);
          else this.#undecryptable.delete(id);
        }
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
          if (!this.#running || !this.#share.mayStart(delivery.endpointId, now)) release.push(delivery);
          else this.#launch(delivery, now);
        }
        // A batch may hold more for one endpoint than its limit allows, or more for slow endpoints than their
        // share: hand those back at once, unleased. (The first of a batch always starts: it was not excluded.)
        await Promise.all(
          release.map((d) => storage.updateDelivery({ ...d, lockedBy: null, lockedUntil: null })),
        );
      }
      if (!this.#running) return;
      // Every slot is busy: the next answered or recorded attempt wakes us, and that tick looks at what is
      // due then.
      if (!this.#hasRoom() && claimedAny) {
        this.#setTimer(this.#nextPruneAt);
        return;
      }
      const next = (await storage.nextDeliveryAt())?.getTime() ?? null;
      const now = clock.now();
      let wakeAt: number | null = null;
      // Other instances may store deliveries at any time: shared storage is polled.
      if (next === null) wakeAt = storage.shared ? now + options.pollIntervalMs : null;
      else if (next > now) wakeAt = next;
      // Due but not claimable: our slots are full (a finishing attempt wakes us) or the due deliveries wait
      // behind a per-endpoint limit. Without work in flight, back off rather than spin.
      else if (this.#active === 0 || !claimedAny) wakeAt = now + options.pollIntervalMs;
      if (this.#nextPruneAt !== null && (wakeAt === null || this.#nextPruneAt < wakeAt)) {
        wakeAt = this.#nextPruneAt;
      }
      this.#setTimer(wakeAt);
    } catch (error) {
      this.#fail(error);
      if (this.#running) this.#timer.wakeAt(clock.now() + options.pollIntervalMs);
    }
  }

  /** Re-arms the clock timer only when the instant changes: arming costs a timer of the clock each time. */
  #setTimer(wakeAt: number | null): void {
    if (this.#timer.target !== wakeAt) this.#timer.reset(wakeAt);
  }

  /** Starts a retention pass when one is due; it runs beside claiming, never two at once. */
  #maybePrune(): void {
    const now = this.#deps.clock.now();
    if (this.#nextPruneAt === null || now < this.#nextPruneAt || this.#pruning !== null) return;
    this.#nextPruneAt = now + pruneIntervalMs(this.#deps.options.deliveryRetentionMs);
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

  #launch(delivery: DeliveryRecord, startedAt: number): void {
    const { deliverer, options, clock } = this.#deps;
    const endpointId = delivery.endpointId;
    this.#share.started(endpointId, startedAt);
    this.#inFlight.add(delivery.id);
    this.#active++;
    // The slot (and the endpoint's share) is freed once the request is over, while the result is stored.
    let answered = false;
    const onAnswered = () => {
      if (answered) return;
      answered = true;
      this.#share.ended(endpointId, startedAt, clock.now());
      this.#active--;
      this.#recording++;
      this.#wakeAfterTurn();
    };
    // A pending delivery whose retries were spent has been put back by replay().
    const trigger = delivery.attempts > options.retrySchedule.length ? 'replay' : 'auto';
    void deliverer
      .deliver(delivery, trigger, this.#controller.signal, onAnswered)
      .catch((error: unknown) => {
        if (isCronhookError(error, 'ERR_ENCRYPTION_KEY')) {
          const reported = (this.#undecryptable.get(endpointId) ?? 0) > clock.now();
          this.#undecryptable.set(endpointId, clock.now() + options.leaseMs);
          if (reported) return;
        }
        this.#fail(error);
      })
      .finally(() => {
        onAnswered(); // no request was made (endpoint disabled) or the attempt failed before one
        this.#recording--;
        this.#inFlight.delete(delivery.id);
        if (this.inFlight === 0 && this.#idle !== null) {
          this.#idle();
          this.#idle = null;
        }
        this.#wakeAfterTurn();
      });
  }

  /**
   * Wakes once the current event-loop turn is over, however many attempts finished in it: their slots are
   * then refilled by one claim. (A turn handles every response that arrived meanwhile, so under load this
   * batches claims by itself, and an idle notifier still refills at once.)
   */
  #wakeAfterTurn(): void {
    if (this.#wakeQueued || !this.#running) return;
    this.#wakeQueued = true;
    setImmediate(() => {
      this.#wakeQueued = false;
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
