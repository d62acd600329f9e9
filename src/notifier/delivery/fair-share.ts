import type { ResolvedNotifierOptions } from '../options.js';

/**
 * Endpoints whose last outcome is remembered; past this one not heard from lately is forgotten (and is new
 * again).
 */
const REMEMBERED = 10_000;

/**
 * What FairShare knows of one endpoint: its attempts in flight and how its last one ended. Handed out by
 * {@link FairShare.started} for {@link FairShare.ended} (an endpoint in flight keeps its entry); read-only
 * outside FairShare.
 */
export interface EndpointShare {
  readonly id: string;
  /** Start times of its attempts in flight, oldest first (kept, emptied, between attempts). */
  readonly started: number[];
  /** How its last attempt ended; null: not heard from yet (new), or forgotten. */
  last: 'prompt' | 'slow' | null;
  /** Its place in FairShare's endpoints in flight, or -1 while it has no attempt in flight. */
  at: number;
  /** An outcome came since it was last placed at the end of FairShare's order (see #forgetOne). */
  heard: boolean;
}

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
   * The endpoints with an attempt in flight or an outcome remembered, in the order they were last placed
   * (see #forgetOne). An endpoint's entry stays from one attempt to the next: at 50 endpoints the attempts
   * in flight go to a different endpoint each time, and entries that came and went with them (a map entry
   * and a list per attempt, the outcome's entry moved to the end) were most of what this cost per attempt.
   */
  readonly #shares = new Map<string, EndpointShare>();
  /** The endpoints with attempts in flight (their `at`): what the checks per claim and per answer walk. */
  readonly #inFlight: EndpointShare[] = [];
  /** Endpoints with an outcome remembered. */
  #remembered = 0;
  /**
   * No attempt in flight runs long before this time: the earliest start among them plus `slowAttemptMs`, as
   * {@link noneSlow} last found it, lowered by attempts started since (an attempt ending only moves it later).
   * noneSlow is asked after every answer: the walk over the attempts in flight is made once this has passed.
   */
  #noneSlowBefore = Number.NEGATIVE_INFINITY;
  /** The endpoints whose last attempt was slow. */
  readonly #slow = new Set<string>();
  /**
   * The endpoint looked up last and its entry (undefined: none): a delivery is asked about (mayStart) and then
   * started, one lookup for both.
   */
  #lastId: string | null = null;
  #lastShare: EndpointShare | undefined;

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
    const share = this.#lookup(endpointId);
    return share !== undefined && this.#isSlow(share, now);
  }

  #isSlow(share: EndpointShare, now: number): boolean {
    const started = share.started;
    if (started.length > 0 && now - started[0]! >= this.#slowAttemptMs) return true;
    return share.last === 'slow';
  }

  /** The endpoint is prompt at `now`: it may hold `perEndpointConcurrency` slots. */
  isPrompt(endpointId: string, now: number): boolean {
    const share = this.#lookup(endpointId);
    return share !== undefined && share.last === 'prompt' && !this.#isSlow(share, now);
  }

  /** Slots held by slow endpoints at `now`. */
  #slowHeld(now: number): number {
    let held = 0;
    for (const share of this.#inFlight) if (this.#isSlow(share, now)) held += share.started.length;
    return held;
  }

  /**
   * No endpoint is slow at `now`, and none known as prompt has been forgotten: every endpoint that was prompt
   * still is. Costs a look at the endpoints in flight, instead of one per endpoint asked about, and only once
   * the earliest of them could have run long since the last look.
   */
  noneSlow(now: number): boolean {
    if (this.#slow.size > 0 || this.#remembered >= REMEMBERED) return false;
    if (now < this.#noneSlowBefore) return true;
    let earliest = Number.POSITIVE_INFINITY;
    for (const share of this.#inFlight) if (share.started[0]! < earliest) earliest = share.started[0]!;
    this.#noneSlowBefore = earliest + this.#slowAttemptMs;
    return now < this.#noneSlowBefore;
  }

  /** Endpoints whose deliveries are not to be claimed at `now`: at their limit, or slow while slow ones wait. */
  excluded(now: number): string[] {
    const out: string[] = [];
    for (const share of this.#inFlight) {
      const limit = share.last === 'prompt' && !this.#isSlow(share, now) ? this.#perEndpoint : 1;
      if (share.started.length >= limit) out.push(share.id);
    }
    if (this.#slow.size > 0 && this.#slowHeld(now) >= this.#slowSlots) {
      for (const id of this.#slow) if (!this.#inFlightAt(id)) out.push(id);
    }
    return out;
  }

  /** A slow endpoint not in flight may take a slot at `now`: the next free one should go to the claim. */
  slowTurn(now: number): boolean {
    if (this.#slow.size === 0 || this.#slowHeld(now) >= this.#slowSlots) return false;
    for (const id of this.#slow) if (!this.#inFlightAt(id)) return true;
    return false;
  }

  #inFlightAt(endpointId: string): boolean {
    return (this.#shares.get(endpointId)?.at ?? -1) >= 0;
  }

  /** True when an attempt to `endpointId` may start at `now` (asked for each claimed delivery in turn). */
  mayStart(endpointId: string, now: number): boolean {
    const share = this.#lookup(endpointId);
    // Not heard from: new, one slot, and not slow.
    if (share === undefined) return true;
    const slow = this.#isSlow(share, now);
    const limit = share.last === 'prompt' && !slow ? this.#perEndpoint : 1;
    if (share.started.length >= limit) return false;
    return !slow || this.#slowHeld(now) < this.#slowSlots;
  }

  /** An attempt to `endpointId` starts at `now`; returns its entry, for {@link ended}. */
  started(endpointId: string, now: number): EndpointShare {
    const share = this.#shareOf(endpointId);
    if (share.at < 0) {
      share.at = this.#inFlight.length;
      this.#inFlight.push(share);
    }
    share.started.push(now);
    if (now + this.#slowAttemptMs < this.#noneSlowBefore) this.#noneSlowBefore = now + this.#slowAttemptMs;
    return share;
  }

  /**
   * The attempt to `endpointId` that started at `startedAt` is over at `now` (its slot is free). `share`: its
   * endpoint's entry as {@link started} returned it (the entry of an endpoint in flight stays), so that it is
   * not looked up again.
   */
  ended(
    endpointId: string,
    startedAt: number,
    now: number,
    share: EndpointShare = this.#shareOf(endpointId),
  ): void {
    const started = share.started;
    if (started.length > 0) {
      // In place: splice() would make an array of what it removes, for every attempt.
      const i = started.indexOf(startedAt);
      for (let j = i === -1 ? 0 : i; j < started.length - 1; j++) started[j] = started[j + 1]!;
      started.pop();
      if (started.length === 0) this.#leaveFlight(share);
    }
    const outcome = now - startedAt >= this.#slowAttemptMs ? 'slow' : 'prompt';
    if (share.last === null) {
      if (this.#remembered >= REMEMBERED) this.#forgetOne(share);
      this.#remembered++;
    } else share.heard = true;
    if (share.last === 'slow' && outcome === 'prompt') this.#slow.delete(endpointId);
    else if (outcome === 'slow') this.#slow.add(endpointId);
    share.last = outcome;
  }

  /** The endpoint's entry, made (new: not heard from, nothing in flight) when it has none. */
  #shareOf(endpointId: string): EndpointShare {
    let share = this.#lookup(endpointId);
    if (share === undefined) {
      share = { id: endpointId, started: [], last: null, at: -1, heard: false };
      this.#shares.set(endpointId, share);
      this.#lastShare = share;
    }
    return share;
  }

  /** The endpoint's entry, if any (see {@link #lastId}). */
  #lookup(endpointId: string): EndpointShare | undefined {
    if (endpointId === this.#lastId) return this.#lastShare;
    const share = this.#shares.get(endpointId);
    this.#lastId = endpointId;
    this.#lastShare = share;
    return share;
  }

  /** Takes `share` (no attempt in flight now) out of the endpoints in flight. */
  #leaveFlight(share: EndpointShare): void {
    const inFlight = this.#inFlight;
    const moved = inFlight.pop()!;
    if (moved !== share) {
      inFlight[share.at] = moved;
      moved.at = share.at;
    }
    share.at = -1;
  }

  /**
   * Forgets the outcome of one endpoint not heard from lately (not `keep`): the first in order not heard from
   * since it was placed; one heard from is placed at the end instead (a second chance, as in CLOCK), so an
   * endpoint's outcomes cost no reordering, only the forgetting that the REMEMBERED bound makes.
   */
  #forgetOne(keep: EndpointShare): void {
    for (const share of this.#shares.values()) {
      if (share === keep || share.last === null) continue;
      if (share.heard) {
        share.heard = false;
        this.#shares.delete(share.id);
        this.#shares.set(share.id, share);
        continue;
      }
      share.last = null;
      this.#remembered--;
      this.#slow.delete(share.id);
      if (share.at < 0) {
        this.#shares.delete(share.id);
        if (share === this.#lastShare) this.#lastId = null;
      }
      return;
    }
  }
}
