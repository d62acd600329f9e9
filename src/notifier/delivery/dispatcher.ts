import { sameElements, sortedIncludes } from '../../arrays.js';
import type { Clock } from '../../clock.js';
import { isCronhookError } from '../../errors.js';
import type { Emitter } from '../../events.js';
import type { Logger } from '../../scheduler/types.js';
import type { Storage } from '../../storage/types.js';
import type { ResolvedNotifierOptions } from '../options.js';
import type { DeliveryRecord, NotifierEvents } from '../types.js';
import type { Deliverer } from './attempt/deliverer.js';
import { AttemptSlots, LaunchedAttempt, type LaunchedAttempts } from './attempt-slots.js';
import { ClaimedAhead } from './claimed-ahead.js';
import { DeliveryRetention } from './delivery-retention.js';
import { FairShare } from './fair-share.js';
import { NextWake } from './next-wake.js';
import { logDropped } from './removed-endpoint-deliveries.js';
import { UndecryptableEndpoints } from './undecryptable-endpoints.js';

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
 * most `concurrency` requests in flight and `perEndpointConcurrency` per endpoint. A request's slot is free
 * again once it is answered, while its result is being stored, so the storage's commit latency does not
 * idle the slot (no request starts while 32 × `concurrency` results wait to be stored). Deliveries are
 * claimed ahead of the free slots (`prefetch`, see ClaimedAhead), so a slot freed by an answer is refilled
 * at once (in the answer's own callback, not after a claim's round trip nor at the end of the event-loop turn).
 * A clock timer wakes it for the next due delivery (NextWake); storing a message wakes it at once, and so do
 * answered attempts, coalesced: those answered within one turn of the event loop are followed by one claim at
 * most, which refills what claimed ahead no longer covers. It also applies `deliveryRetentionMs` to the
 * delivery log (DeliveryRetention).
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  /** When to look for due deliveries next, once a tick's claims are over. */
  readonly #next: NextWake;
  /** The `concurrency` slots and the attempts holding them. */
  readonly #slots: AttemptSlots;
  /** A wake is queued for the end of this event-loop turn (attempts finished). */
  #wakeQueued = false;
  /** Exclusion list (sorted) of the last claim that found less than asked, until `wake()`. */
  #drained: readonly string[] | null = null;
  /**
   * Counts the times `#drained` was cleared: a claim that was already on its way then (it may have missed the
   * message that cleared it) must not set it again, or the tick the wake asked for would skip its claim.
   */
  #undrains = 0;
  /** A refill claim (no slot free) had to hand deliveries back: no other until a slot frees. */
  #refillRefused = false;
  /** How the slots are shared between endpoints, slow ones limited (see FairShare). */
  readonly #share: FairShare;
  /** Endpoints whose secrets this instance could not decrypt: left alone for a lease. */
  readonly #undecryptable: UndecryptableEndpoints;
  /** Deliveries claimed ahead of free slots, sent as slots free up (see `prefetch`). */
  readonly #ahead: ClaimedAhead;
  readonly #launcher = {
    hasRoom: () => this.#slots.hasRoom(),
    launch: (delivery: DeliveryRecord) => this.#launch(delivery),
    fail: (error: unknown) => this.#fail(error),
    dropped: (delivery: DeliveryRecord) => logDropped(this.#deps.logger, delivery),
    returned: () => this.#undrain(),
  };
  readonly #attempts: LaunchedAttempts = {
    /**
     * The slot (and the endpoint's share) is freed once the request is over, while the result is stored, and
     * refilled from what was claimed ahead right away: left empty until the end of the turn, it would idle the
     * receiver while the other answers of the turn are handled (about a quarter of the slots' time under load).
     */
    answered: (launched) => {
      const now = this.#deps.clock.now();
      this.#share.ended(launched.delivery.endpointId, launched.startedAt, now, launched.share);
      this.#slots.answered();
      if (this.#running && this.#ahead.size > 0 && !this.#share.slowTurn(now))
        this.#ahead.launchWaiting(this.#launcher, now);
      this.#wakeAfterTurn();
    },
    failed: (launched, error) => {
      const undecryptable = isCronhookError(error, 'ERR_ENCRYPTION_KEY');
      const now = this.#deps.clock.now();
      if (undecryptable && !this.#undecryptable.failed(launched.delivery.endpointId, now)) return;
      this.#fail(error);
    },
    over: (launched) => {
      this.#slots.recorded(launched.delivery.id);
      this.#wakeAfterTurn();
    },
  };

  #controller = new AbortController();
  #running = false;
  #ticking = false;
  #tickAgain = false;
  /** Resolves once a tick's claims are back and what they took is placed: stop() waits for it (see there). */
  #claimsOver: Promise<void> = Promise.resolve();
  #endClaims: () => void = () => {};
  readonly #retention: DeliveryRetention;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#slots = new AttemptSlots(deps.options.concurrency);
    this.#share = new FairShare(deps.options);
    this.#ahead = new ClaimedAhead(deps.options, deps.storage, this.#share);
    this.#undecryptable = new UndecryptableEndpoints(deps.options.leaseMs);
    this.#retention = new DeliveryRetention(
      deps.storage,
      deps.clock,
      deps.options.deliveryRetentionMs,
      deps.logger,
      (error) => this.#fail(error),
    );
    this.#next = new NextWake(deps.storage, deps.clock, deps.options, this.#slots, this.#retention, () =>
      this.wake(),
    );
  }

  /** Attempts in flight in this instance, until their results are stored. */
  get inFlight(): number {
    return this.#slots.inFlight;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#controller = new AbortController();
    this.#retention.start();
    this.wake();
  }

  /**
   * Stops claiming and waits for attempts in flight. Past `timeoutMs` they are aborted: an aborted attempt is
   * recorded as failed and retried later, by this instance or another.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#running = false;
    this.#next.cancel();
    // A claim in flight comes back first, and what it took is handed back (#tick): else it returned after
    // stop() had resolved, to a storage the caller may have closed meanwhile, its deliveries launched or left
    // leased until their lease ran out.
    await this.#claimsOver;
    this.#ahead.launch([], this.#launcher, this.#deps.clock.now(), false); // hands back what waits
    await this.#ahead.returning();
    await this.#retention.stop();
    if (this.inFlight === 0) return;
    const timer = this.#deps.clock.setTimeout(() => this.#controller.abort(), timeoutMs);
    await this.#slots.idle();
    timer.cancel();
  }

  /**
   * Looks for due deliveries now (after a message was stored, an endpoint enabled, or the timer fired).
   * `endpointIds`: a message was stored for these endpoints only. When the last claim that found less than it
   * asked for left every one of them out (each at its limit, say), a claim now would leave them out again
   * and find nothing: none is made until the exclusion list changes (an answer frees an endpoint's slot).
   */
  wake(endpointIds?: readonly string[]): void {
    if (endpointIds === undefined || !this.#drainedExcludesAll(endpointIds)) this.#undrain();
    this.#kick();
  }

  #undrain(): void {
    this.#drained = null;
    this.#undrains++;
  }

  #drainedExcludesAll(endpointIds: readonly string[]): boolean {
    const drained = this.#drained;
    if (drained === null) return false;
    for (const id of endpointIds) if (!sortedIncludes(drained, id)) return false;
    return true;
  }

  /** Runs a tick now, or once the running one is over. */
  #kick(): void {
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
        this.#kick();
      }
    });
  }

  async #tick(): Promise<void> {
    const { storage, clock, options } = this.#deps;
    this.#retention.maybeRun();
    let claiming = false;
    let claimedAny = false;
    try {
      // stop() waits for the claims, not for the read after them: they end here, however the loop ends.
      try {
        while (this.#running) {
          if (!this.#share.slowTurn(clock.now())) this.#ahead.launchWaiting(this.#launcher, clock.now());
          // Claims fill free slots, and refill the buffer once it is half empty: in batches. A refill that had
          // to hand deliveries back (of endpoints that may not wait) is not tried again until a slot frees.
          const free = this.#slots.free();
          if (free > 0) this.#refillRefused = false;
          else if (!this.#ahead.low || this.#refillRefused) break;
          const limit = this.#ahead.claimLimit(free);
          if (limit <= 0) break;
          const now = clock.now();
          const excluded = this.#ahead.excluded(now);
          this.#undecryptable.addTo(excluded, now);
          excluded.sort();
          if (this.#drained !== null && sameElements(excluded, this.#drained)) break;
          const undrains = this.#undrains;
          if (!claiming) {
            claiming = true;
            this.#claimsOver = new Promise((resolve) => {
              this.#endClaims = resolve;
            });
          }
          const claimed = await storage.claimDeliveries({
            now: new Date(clock.now()),
            limit,
            instanceId: options.instanceId,
            leaseMs: options.leaseMs,
            excludeEndpointIds: excluded,
          });
          this.#next.claimed(claimed.length, limit);
          if (claimed.length > 0) {
            claimedAny = true;
            const fresh = claimed.filter((d) => !this.#slots.attempting(d.id));
            // Stopped meanwhile: all of it goes back (keep = false), none is sent.
            const handedBack = this.#ahead.launch(fresh, this.#launcher, clock.now(), this.#running);
            if (handedBack > 0 && free === 0) this.#refillRefused = true;
          }
          // Fewer than asked for: nothing else is due now, for this exclusion list.
          if (claimed.length < limit) {
            if (undrains === this.#undrains) this.#drained = excluded;
            break;
          }
        }
      } finally {
        if (claiming) this.#endClaims();
      }
      // Not waited for by stop(): a read that returns after it arms nothing (NextWake).
      const reading = this.#running ? this.#next.afterClaims(claimedAny) : undefined;
      if (reading !== undefined) await reading;
    } catch (error) {
      this.#fail(error);
      if (this.#running) this.#next.afterError();
    }
  }

  #launch(delivery: DeliveryRecord): void {
    const { options, clock } = this.#deps;
    const startedAt = clock.now();
    const share = this.#share.started(delivery.endpointId, startedAt);
    this.#slots.started(delivery.id);
    // A pending delivery whose retries were spent has been put back by replay().
    const trigger = delivery.attempts > options.retrySchedule.length ? 'replay' : 'auto';
    const launched = new LaunchedAttempt(delivery, startedAt, share, this.#attempts);
    this.#deps.deliverer.launch(delivery, trigger, this.#controller.signal, launched);
  }

  /**
   * Wakes once the current event-loop turn is over, however many attempts finished in it: their slots are
   * then refilled from what was claimed ahead, and by one claim at most. (A turn handles every response that
   * arrived meanwhile, so under load this batches claims by itself, and an idle notifier still refills at
   * once.)
   */
  #wakeAfterTurn(): void {
    if (this.#wakeQueued || !this.#running) return;
    this.#wakeQueued = true;
    setImmediate(() => {
      this.#wakeQueued = false;
      // Freed slots are refilled from the buffer at once, unless a slow endpoint's turn is due (see tick).
      const now = this.#deps.clock.now();
      if (this.#running && this.#ahead.size > 0 && !this.#share.slowTurn(now))
        this.#ahead.launchWaiting(this.#launcher, now);
      this.#kick();
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
