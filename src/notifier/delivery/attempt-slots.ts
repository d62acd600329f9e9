import { FreshSet } from '../../fresh-collections.js';
import type { DeliveryRecord } from '../types.js';
import type { AttemptWatcher } from './attempt/attempt-in-flight.js';
import type { EndpointShare } from './fair-share.js';

/**
 * Attempts whose results may wait to be stored, per slot of `concurrency`: results are group-committed, so
 * several per slot cost one commit; past that, a slow store slows sending instead of piling up results.
 * Not 4: on Postgres one group of results commits at a time (~30 results, 8-18 ms under load), and with 4 per
 * slot the results waiting behind it reached the cap, so slots stood idle with deliveries claimed ahead
 * (sampled in the real worker: 48-55 of 64 waiting on average, 7-10 of 16 requests in flight). With 8 the
 * groups grew and committed less often (commits per delivery 0.059 -> 0.049 at one endpoint). Not 8 either:
 * a group of ~60 committing while ~60 more queue behind it still reached the cap whenever a commit was slow
 * (the server's backend waits for a core it shares with the sender and the receiver), and every request in
 * flight then ended with none started after it: at one endpoint over HTTP with 16 in flight, nothing was in
 * flight a third of the time, sender and receiver idle while the commit ran. With 16 the store catches up
 * instead: the next group takes what queued meanwhile (a commit costs ~0.9 ms however many it holds). With
 * 16 the cap was still reached in 7-17% of the samples at one endpoint under load (2-9% at 50): 32 (lab
 * pairs over HTTP, both slot orders: sender + server CPU per delivery -7% and deliveries/s +11% at one
 * endpoint, level at 50). Memory and SQLite store their results before this many wait.
 */
const RECORDING_FACTOR = 32;

/**
 * The dispatcher's `concurrency` slots and the attempts holding them. An attempt holds its slot while its
 * request is in flight; once answered its slot is free, and it only counts as being recorded until its result
 * is stored (no request starts while 32 × `concurrency` results wait to be stored). `stop()` waits for
 * {@link idle}.
 */
export class AttemptSlots {
  readonly #concurrency: number;
  /** Requests in flight: each holds one slot. */
  #active = 0;
  /** Attempts answered (or failed) whose results are being stored: their slots are free already. */
  #recording = 0;
  /**
   * Deliveries this instance is attempting: one whose lease ran out mid-attempt is not started twice. Every
   * delivery passes through: a FreshSet, not promoted with its table (see fresh-collections.ts).
   */
  readonly #attempting = new FreshSet<string>();
  /** Called when the last attempt is recorded. */
  #onIdle: (() => void) | null = null;

  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  /** Attempts in flight, until their results are stored. */
  get inFlight(): number {
    return this.#active + this.#recording;
  }

  /** Requests in flight. */
  get active(): number {
    return this.#active;
  }

  /** A slot is free, and results waiting to be stored are not backed up. */
  hasRoom(): boolean {
    return this.#active < this.#concurrency && this.#recording < this.#concurrency * RECORDING_FACTOR;
  }

  /** Slots a claim may fill now. */
  free(): number {
    return this.hasRoom() ? this.#concurrency - this.#active : 0;
  }

  /** The delivery is being attempted here. */
  attempting(deliveryId: string): boolean {
    return this.#attempting.has(deliveryId);
  }

  /** An attempt of the delivery takes a slot. */
  started(deliveryId: string): void {
    this.#attempting.add(deliveryId);
    this.#active++;
  }

  /** The attempt's request is over: its slot is free while its result is stored. */
  answered(): void {
    this.#active--;
    this.#recording++;
  }

  /** The attempt's result is stored (or storing it failed). */
  recorded(deliveryId: string): void {
    this.#recording--;
    this.#attempting.delete(deliveryId);
    if (this.inFlight === 0 && this.#onIdle !== null) {
      const onIdle = this.#onIdle;
      this.#onIdle = null;
      onIdle();
    }
  }

  /** Resolves once no attempt is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const earlier = this.#onIdle;
      this.#onIdle = () => {
        earlier?.();
        resolve();
      };
    });
  }
}

/** What launched attempts tell the dispatcher: one object for all of them, no closure per attempt. */
export interface LaunchedAttempts {
  /** The attempt's request is over: its slot is free. */
  answered(launched: LaunchedAttempt): void;
  /** The attempt failed (storage trouble, an undecryptable secret). */
  failed(launched: LaunchedAttempt, error: unknown): void;
  /** The attempt is over: its result stored, its delivery handed back, or failed. */
  over(launched: LaunchedAttempt): void;
}

/** One attempt launched by the dispatcher: its request's end frees the slot, once. */
export class LaunchedAttempt implements AttemptWatcher {
  #answered = false;

  constructor(
    readonly delivery: DeliveryRecord,
    readonly startedAt: number,
    /** Its endpoint's entry in FairShare, as `started` returned it. */
    readonly share: EndpointShare,
    readonly attempts: LaunchedAttempts,
  ) {}

  answered(): void {
    if (this.#answered) return;
    this.#answered = true;
    this.attempts.answered(this);
  }

  failed(error: unknown): void {
    this.attempts.failed(this, error);
  }

  over(): void {
    this.answered(); // no request was made (endpoint disabled) or the attempt failed before one
    this.attempts.over(this);
  }
}
