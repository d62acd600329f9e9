import type { Clock } from '../../clock.js';
import type { Storage } from '../../storage/types.js';
import { WakeTimer } from '../../timer.js';
import type { ResolvedNotifierOptions } from '../options.js';
import type { AttemptSlots } from './attempt-slots.js';
import type { DeliveryRetention } from './delivery-retention.js';

/**
 * When the dispatcher looks for due deliveries next, once a tick's claims are over: one clock timer, set from
 * what the claims left behind and, only when they cannot tell, from storage's next due time (a read, a round
 * trip on SQL storage), and for the delivery log's next pruning (DeliveryRetention). Answered attempts wake
 * the dispatcher besides, so while attempts are in flight the timer is only a bound.
 */
export class NextWake {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #pollIntervalMs: number;
  readonly #slots: AttemptSlots;
  readonly #retention: DeliveryRetention;
  readonly #timer: WakeTimer;
  /** Due deliveries are left unclaimed: the last claim took all it asked for, or storage said so since. */
  #dueLeft = false;
  /** Counts `cancel()` calls: a read that returns after one (the dispatcher stopped meanwhile) sets nothing. */
  #cancels = 0;

  constructor(
    storage: Storage,
    clock: Clock,
    options: Pick<ResolvedNotifierOptions, 'pollIntervalMs' | 'unref'>,
    slots: AttemptSlots,
    retention: DeliveryRetention,
    wake: () => void,
  ) {
    this.#storage = storage;
    this.#clock = clock;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#slots = slots;
    this.#retention = retention;
    this.#timer = new WakeTimer(clock, wake, {
      unref: options.unref,
      maxWaitMs: storage.shared ? options.pollIntervalMs : 60_000,
    });
  }

  /** A claim asked for `limit` deliveries and took `taken`. */
  claimed(taken: number, limit: number): void {
    this.#dueLeft = taken >= limit;
  }

  /**
   * Sets the timer once a tick's claims are over (`claimedAny`: one of them took something). Returns a promise
   * only when it reads storage: a busy outbox runs this on nearly every turn, and mostly it need not wait.
   */
  afterClaims(claimedAny: boolean): Promise<void> | undefined {
    // Every slot is busy (just filled, or already full with deliveries waiting ahead): the next answered or
    // recorded attempt wakes us, and that tick looks at what is due then. Asking storage now would cost a
    // read (a round trip on SQL storage) on every turn of a busy outbox.
    if (!this.#slots.hasRoom()) {
      this.#set(this.#retention.nextAt);
      return;
    }
    // Free slots, but due deliveries left that no claim may take now (one endpoint at the defaults holds 4
    // of 10 slots): storage would only say again that something is due, a read (a round trip on SQL) on
    // nearly every tick. An answer wakes us; the poll interval bounds the wait for a retry falling due
    // meanwhile, should the last claim have taken the last due ones.
    if (this.#dueLeft && this.#slots.active > 0) {
      this.#set(this.#earliest(this.#clock.now() + this.#pollIntervalMs));
      return;
    }
    return this.#readNext(claimedAny);
  }

  /** Sets the timer from storage's next due time. */
  async #readNext(claimedAny: boolean): Promise<void> {
    const cancels = this.#cancels;
    const next = (await this.#storage.nextDeliveryAt())?.getTime() ?? null;
    // Stopped while reading: a timer armed now would hold the process open for nothing.
    if (cancels !== this.#cancels) return;
    const now = this.#clock.now();
    this.#dueLeft = next !== null && next <= now;
    let wakeAt: number | null = null;
    // Other instances may store deliveries at any time: shared storage is polled.
    if (next === null) wakeAt = this.#storage.shared ? now + this.#pollIntervalMs : null;
    else if (next > now) wakeAt = next;
    // Due but not claimable: our slots are full (a finishing attempt wakes us) or the due deliveries wait
    // behind a per-endpoint limit. Without work in flight, back off rather than spin.
    else if (this.#slots.active === 0 || !claimedAny) wakeAt = now + this.#pollIntervalMs;
    this.#set(this.#earliest(wakeAt));
  }

  /** A tick failed (storage trouble): it is tried again after the poll interval, or sooner if asked. */
  afterError(): void {
    this.#timer.wakeAt(this.#clock.now() + this.#pollIntervalMs);
  }

  cancel(): void {
    this.#cancels++;
    this.#timer.cancel();
  }

  /** `wakeAt` or the delivery log's next pruning, whichever comes first. */
  #earliest(wakeAt: number | null): number | null {
    const pruneAt = this.#retention.nextAt;
    return pruneAt !== null && (wakeAt === null || pruneAt < wakeAt) ? pruneAt : wakeAt;
  }

  /**
   * Re-arms the clock timer only when it would wake too late (or must not wake at all): arming costs a timer
   * of the clock each time, and a busy outbox asks for a backoff instant a few ms later on every tick. A wake
   * that comes earlier than needed only runs a tick, which sets the timer again from what it finds.
   */
  #set(wakeAt: number | null): void {
    const target = this.#timer.target;
    if (wakeAt === null ? target !== null : target === null || target > wakeAt) this.#timer.reset(wakeAt);
  }
}
