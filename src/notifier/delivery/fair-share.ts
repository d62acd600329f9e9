import { FreshMap } from '../../fresh-collections.js';
import type { ResolvedNotifierOptions } from '../options.js';

/** Endpoints whose last outcome is remembered; past this the oldest is forgotten (and is new again). */
const REMEMBERED = 10_000;

/**
 * How the dispatcher's `concurrency` slots are shared between endpoints, so that receivers that stall cannot
 * starve those that answer. Per instance, from what this instance has seen:
 *
 * - an endpoint is **prompt** after an attempt of it ended within `slowAttemptMs` (answered or failed):
 *   it may hold up to `perEndpointConcurrency` slots;
 * - it is **slow** while one of its attempts has run `slowAttemptMs` or longer, and after an attempt took
 *   that long (a timeout included), until one ends sooner: it holds at most one slot, and slow endpoints
 *   together at most `slowSlots` (half of `concurrency`, rounded down, at least one); while they are
 *   taken, slow endpoints wait, and the next free one goes to the slow delivery that fell due first;
 * - an endpoint not heard from yet is **new**: one slot, until its attempt ends (prompt) or runs long (slow).
 *
 * So once each stalling endpoint has had one attempt run long, endpoints that stall hold at most `slowSlots`
 * slots together, however many they are, and prompt endpoints keep `concurrency - slowSlots` among them.
 * Before that, an endpoint that begins to stall holds the slots it had (one when new, up to
 * `perEndpointConcurrency` when prompt) until those attempts end, within `attemptTimeoutMs`.
 *
 * It reads neither storage nor the clock: the dispatcher reports attempts starting and ending, and asks
 * before each claim which endpoints to leave out and, for each delivery claimed, whether it may start. When
 * every endpoint is prompt (the healthy case) the answers are the plain per-endpoint limit, for a walk over
 * the attempts in flight per claim.
 */
export class FairShare {
  readonly #slowAttemptMs: number;
  readonly #slowSlots: number;
  readonly #perEndpoint: number;
  /**
   * Start times of the attempts in flight, per endpoint, oldest first. Entries come and go with attempts, as
   * #last's move to its end: FreshMaps, whose tables are not promoted (see fresh-collections.ts).
   */
  readonly #started = new FreshMap<string, number[]>();
  /** How each endpoint's last attempt ended (Map order: least recently updated first). */
  readonly #last = new FreshMap<string, 'prompt' | 'slow'>();
  /** The endpoints whose last attempt was slow (the 'slow' entries of #last). */
  readonly #slow = new Set<string>();
  /** The endpoint of #last's newest entry (the last outcome), or null. */
  #newest: string | null = null;

  constructor(
    options: Pick<ResolvedNotifierOptions, 'concurrency' | 'perEndpointConcurrency' | 'slowAttemptMs'>,
  ) {
    this.#slowAttemptMs = options.slowAttemptMs;
    this.#slowSlots = Math.max(1, Math.floor(options.concurrency / 2));
    this.#perEndpoint = options.perEndpointConcurrency;
  }

  /** Slots slow endpoints may hold together. */
  get slowSlots(): number {
    return this.#slowSlots;
  }

  /** An attempt of the endpoint runs long at `now`, or its last one took long. */
  isSlow(endpointId: string, now: number): boolean {
    const started = this.#started.get(endpointId);
    if (started !== undefined && now - started[0]! >= this.#slowAttemptMs) return true;
    return this.#last.get(endpointId) === 'slow';
  }

  /** The endpoint is prompt at `now`: it may hold `perEndpointConcurrency` slots. */
  isPrompt(endpointId: string, now: number): boolean {
    return this.#last.get(endpointId) === 'prompt' && !this.isSlow(endpointId, now);
  }

  /** Most attempts `endpointId` may have in flight at `now`. */
  #limit(endpointId: string, now: number): number {
    return this.isPrompt(endpointId, now) ? this.#perEndpoint : 1;
  }

  /** Slots held by slow endpoints at `now`. */
  #slowHeld(now: number): number {
    let held = 0;
    for (const [id, started] of this.#started) if (this.isSlow(id, now)) held += started.length;
    return held;
  }

  /**
   * No endpoint is slow at `now`, and none known as prompt has been forgotten: every endpoint that was prompt
   * still is. Costs a look at the endpoints in flight, instead of one per endpoint asked about.
   */
  noneSlow(now: number): boolean {
    if (this.#slow.size > 0 || this.#last.size >= REMEMBERED) return false;
    for (const started of this.#started.values()) if (now - started[0]! >= this.#slowAttemptMs) return false;
    return true;
  }

  /** Endpoints whose deliveries are not to be claimed at `now`: at their limit, or slow while slow ones wait. */
  excluded(now: number): string[] {
    const out: string[] = [];
    for (const [id, started] of this.#started) if (started.length >= this.#limit(id, now)) out.push(id);
    if (this.#slow.size > 0 && this.#slowHeld(now) >= this.#slowSlots) {
      for (const id of this.#slow) if (!this.#started.has(id)) out.push(id);
    }
    return out;
  }

  /** A slow endpoint not in flight may take a slot at `now`: the next free one should go to the claim. */
  slowTurn(now: number): boolean {
    if (this.#slow.size === 0 || this.#slowHeld(now) >= this.#slowSlots) return false;
    for (const id of this.#slow) if (!this.#started.has(id)) return true;
    return false;
  }

  /** True when an attempt to `endpointId` may start at `now` (asked for each claimed delivery in turn). */
  mayStart(endpointId: string, now: number): boolean {
    // isSlow and #limit, with each map read once: this is asked for every delivery sent.
    const started = this.#started.get(endpointId);
    const last = this.#last.get(endpointId);
    const slow = (started !== undefined && now - started[0]! >= this.#slowAttemptMs) || last === 'slow';
    const limit = last === 'prompt' && !slow ? this.#perEndpoint : 1;
    if ((started?.length ?? 0) >= limit) return false;
    return !slow || this.#slowHeld(now) < this.#slowSlots;
  }

  /** An attempt to `endpointId` starts at `now`. */
  started(endpointId: string, now: number): void {
    const started = this.#started.get(endpointId);
    if (started === undefined) this.#started.set(endpointId, [now]);
    else started.push(now);
  }

  /** The attempt to `endpointId` that started at `startedAt` is over at `now` (its slot is free). */
  ended(endpointId: string, startedAt: number, now: number): void {
    const started = this.#started.get(endpointId);
    if (started !== undefined) {
      const i = started.indexOf(startedAt);
      started.splice(i === -1 ? 0 : i, 1);
      if (started.length === 0) this.#started.delete(endpointId);
    }
    const outcome = now - startedAt >= this.#slowAttemptMs ? 'slow' : 'prompt';
    // Prompt again, and #last's newest entry already: nothing changes. Deleting a Map's only entry (one
    // endpoint) shrinks its table and the set grows it again, two tables allocated per attempt: in process
    // ~10% of the notifier's CPU per delivery at one endpoint.
    if (endpointId === this.#newest && outcome === 'prompt' && this.#last.get(endpointId) === 'prompt')
      return;
    this.#newest = endpointId;
    this.#forget(endpointId);
    if (this.#last.size >= REMEMBERED) this.#forget(this.#last.keys().next().value as string);
    this.#last.set(endpointId, outcome);
    if (outcome === 'slow') this.#slow.add(endpointId);
  }

  #forget(endpointId: string): void {
    this.#last.delete(endpointId);
    if (this.#slow.size > 0) this.#slow.delete(endpointId);
  }
}
