import type { Storage } from '../../storage/types.js';
import type { ResolvedNotifierOptions } from '../options.js';
import type { DeliveryRecord } from '../types.js';
import { mergeByDue } from './due-order.js';
import type { FairShare } from './fair-share.js';
import { type HandBackWatcher, HandedBack } from './handed-back.js';
import { type Held, HeldByEndpoint } from './held-by-endpoint.js';

/** What the buffer needs of the dispatcher to send a delivery (and to hand deliveries back). */
export interface Launcher extends HandBackWatcher {
  /** A slot is free (`concurrency`, and results waiting to be stored not backed up). */
  hasRoom(): boolean;
  /** Starts the attempt. */
  launch(delivery: DeliveryRecord): void;
}

/**
 * Deliveries claimed ahead of free slots (`prefetch`): leased to this instance and waiting, in due order, to
 * be sent the moment a slot frees up, so that a slot does not sit idle for a claim's round trip and commit
 * each time a request is answered, and claims take deliveries in batches.
 *
 * Bounded twice: at most `prefetch` wait (up to half of it more after a claim spread over several endpoints
 * or brought by one prompt endpoint, see {@link claimLimit}), and at most an endpoint's share
 * (`perEndpointConcurrency / concurrency` of `prefetch`, at least `perEndpointConcurrency`) for one endpoint;
 * an endpoint whose share is all of `prefetch` may hold whatever may wait after a claim of its deliveries
 * alone. A claim asks for at most {@link claimLimit} and leaves out the endpoints holding more than half their
 * share ({@link excluded}), so what it returns fits. Only endpoints known to answer promptly (FairShare) have
 * deliveries wait: a new or slow endpoint's that cannot start are handed back, as are deliveries that waited
 * half their lease (their lease could run out mid-attempt) and, on stop, all of them.
 */
export class ClaimedAhead {
  readonly #capacity: number;
  /** What may wait after a claim spread over several endpoints (see {@link claimLimit}). */
  readonly #spreadCapacity: number;
  readonly #perEndpoint: number;
  /**
   * What one endpoint may hold after a claim of one prompt endpoint's deliveries: its share, or whatever may
   * wait then when its share is all of `prefetch` (see {@link claimLimit}).
   */
  readonly #promptCap: number;
  readonly #leaseMs: number;
  readonly #handedBack: HandedBack;
  readonly #share: FairShare;
  /**
   * What waits, in due order, from {@link #head} on; the slots before it are cleared (sent or handed back since
   * the last claim). A delivery sent from the front moves the head instead of the rest of the list, which
   * waited a whole claim's worth (~100 at 50 endpoints with the defaults) and moved on every answer.
   */
  #waiting: (DeliveryRecord | undefined)[] = [];
  /** Each waiting delivery's endpoint entry, at its place in #waiting. */
  #heldOf: (Held | undefined)[] = [];
  #head = 0;
  /** {@link launchWaiting} is walking what waits. */
  #walking = false;
  /** What each endpoint has waiting. */
  readonly #held = new HeldByEndpoint();
  /** When the first delivery waiting here will have waited half its lease (then it is handed back). */
  #staleAt = Number.POSITIVE_INFINITY;
  /**
   * Where the last claim's deliveries went (see {@link claimLimit}): several endpoints, one endpoint that was
   * prompt, or neither (none yet, or one endpoint new or slow).
   */
  #last: 'spread' | 'prompt' | 'other' = 'other';

  constructor(
    options: Pick<ResolvedNotifierOptions, 'prefetch' | 'perEndpointConcurrency' | 'concurrency' | 'leaseMs'>,
    storage: Storage,
    share: FairShare,
  ) {
    const { prefetch, perEndpointConcurrency, concurrency } = options;
    this.#capacity = prefetch;
    const fair = Math.ceil((perEndpointConcurrency * prefetch) / concurrency);
    this.#perEndpoint = prefetch === 0 ? 0 : Math.max(perEndpointConcurrency, fair);
    // The refill claim comes once fewer than half of `prefetch` wait (see `low`): room then for an endpoint's
    // share, a full spread claim, within half of `prefetch` more.
    const fullClaim = this.#perEndpoint + Math.ceil(prefetch / 2) - 1;
    this.#spreadCapacity = Math.min(prefetch + Math.floor(prefetch / 2), Math.max(prefetch, fullClaim));
    this.#promptCap = this.#perEndpoint >= prefetch ? this.#spreadCapacity : this.#perEndpoint;
    this.#leaseMs = options.leaseMs;
    this.#handedBack = new HandedBack(storage);
    this.#share = share;
  }

  get size(): number {
    return this.#waiting.length - this.#head;
  }

  /**
   * Fewer than half of `prefetch` wait: time for a claim though no slot is free, so that what waits covers
   * the claim's round trip, and the claim is a batch (see {@link claimLimit}).
   */
  get low(): boolean {
    return this.size < this.#capacity / 2;
  }

  /**
   * Most deliveries the next claim may take with `free` slots free: the free slots plus room in the buffer,
   * at most half an endpoint's share unless the free slots are more (as a claim without a buffer takes).
   *
   * When the last claim's deliveries all went to one endpoint that is prompt (one endpoint has all the work,
   * as with a single endpoint), up to a whole share instead, as after a spread claim (below), except that an
   * endpoint whose share is all of `prefetch` (`perEndpointConcurrency` = `concurrency`) may hold whatever may
   * wait, up to half of `prefetch` more: the refill claim made when the buffer is half empty then takes a
   * whole share (at one endpoint over HTTP with the bench's options, claims of 64 rows instead of 32, half as
   * many claims). Such an endpoint may use every slot: there is no other endpoint's share for it to take. A
   * new or slow endpoint's deliveries cannot wait here, so only an endpoint known to answer promptly gets the
   * larger claims; a claim that brings a new endpoint's deliveries alone hands back all but the one it may
   * start, and the claims after it are of half a share again.
   *
   * When the last claim's deliveries went to several endpoints (a fan-out's, at most one per endpoint), at
   * most what is left of the share of the endpoint holding the most here among those the claim takes (those
   * holding more than half their share are left out, see {@link excluded}) instead: whatever endpoints its
   * deliveries go to, they fit. The buffer may then hold up to half of `prefetch` more, as much as lets the
   * claim made when it is half empty ({@link low}) take that whole share: fewer, larger claims (at 50
   * endpoints over HTTP with `perEndpointConcurrency` = `concurrency`, claims of ~63 rows instead of ~38, 16
   * instead of 26 per 1,000 deliveries), while what waits to cover a claim's round trip is unchanged. Where
   * an endpoint's share is at most half of `prefetch` (the defaults: 32 of 80) the claims are whole shares
   * already and nothing more is held. What the larger buffer holds, and why that is safe: docs/scaling.md.
   */
  claimLimit(free: number): number {
    const room = Math.max(0, this.#capacityNow() - this.size);
    const half = Math.floor(this.#perEndpoint / 2);
    if (this.#last === 'other') return Math.min(free + room, Math.max(free, half));
    let most = 0;
    const holding = this.#held.holding;
    for (let i = 0; i < holding.length; i++) {
      const n = holding[i]!.waiting;
      if (n <= half && n > most) most = n;
    }
    const fits = Math.min(this.#perEndpoint, this.#endpointCap() - most);
    return Math.min(free + room, Math.max(free, fits));
  }

  /** What one endpoint may hold now (see {@link claimLimit}). */
  #endpointCap(): number {
    return this.#last === 'prompt' ? this.#promptCap : this.#perEndpoint;
  }

  /**
   * What may wait now: more after a claim spread over several endpoints, or of one prompt endpoint (see
   * {@link claimLimit}).
   */
  #capacityNow(): number {
    return this.#last === 'other' ? this.#capacity : this.#spreadCapacity;
  }

  /**
   * Endpoints the next claim leaves out at `now`, sorted: FairShare's (at their limit, or slow while slow ones
   * wait), except prompt ones at their limit, whose deliveries may wait here; and those holding more than
   * half their share here.
   */
  excluded(now: number): string[] {
    const out = new Set<string>();
    const holding = this.#held.holding;
    for (let i = 0; i < holding.length; i++)
      if (holding[i]!.waiting > this.#perEndpoint / 2) out.add(holding[i]!.id);
    for (const id of this.#share.excluded(now)) {
      if (this.#capacity === 0 || !this.#share.isPrompt(id, now)) out.add(id);
    }
    return [...out].sort();
  }

  /**
   * Sends what the slots allow (through `launcher`), from what waits and what was just `claimed`, in due
   * order (a delivery handed back earlier, a slow endpoint's, gets the next slot before those claimed after
   * it); keeps what may wait; hands the rest back (all of it when `keep` is false). Returns how many it
   * handed back.
   */
  launch(claimed: DeliveryRecord[], launcher: Launcher, now: number, keep = true): number {
    if (claimed.length === 0 && keep) return this.launchWaiting(launcher, now);
    // The claim was sized by the capacities before it; what already waited is not handed back for smaller ones.
    const capacity = Math.max(this.#capacityNow(), this.size);
    const first = claimed[0]?.endpointId;
    if (first === undefined) this.#last = 'other';
    else if (claimed.some((d) => d.endpointId !== first)) this.#last = 'spread';
    else this.#last = this.#share.isPrompt(first, now) ? 'prompt' : 'other';
    const waited = this.#waiting;
    const from = claimed.length === 0 ? this.#head : 0;
    const all = claimed.length === 0 ? waited : mergeByDue(waited, this.#head, claimed);
    this.#waiting = [];
    this.#heldOf = [];
    this.#head = 0;
    this.#held.beginPlacing();
    this.#staleAt = Number.POSITIVE_INFINITY;
    const handBack: DeliveryRecord[] = [];
    const staying = this.#waiting as DeliveryRecord[];
    const heldOf = this.#heldOf;
    const endpointCap = this.#endpointCap();
    // Not walked again from inside: see launchWaiting.
    this.#walking = true;
    try {
      for (let k = from; k < all.length; k++) {
        const delivery = all[k]!;
        const staleAt = this.#staleAtOf(delivery);
        if (!keep || staleAt <= now) {
          handBack.push(delivery);
          continue;
        }
        const endpointId = delivery.endpointId;
        if (launcher.hasRoom() && this.#share.mayStart(endpointId, now)) {
          launcher.launch(delivery);
          continue;
        }
        const held = this.#held.entry(endpointId);
        const waiting = held.waiting;
        const full = staying.length >= capacity || (waiting >= endpointCap && waiting >= held.before);
        if (full || !this.#share.isPrompt(endpointId, now)) {
          handBack.push(delivery);
          continue;
        }
        staying.push(delivery);
        heldOf.push(held);
        this.#held.add(held);
        if (staleAt < this.#staleAt) this.#staleAt = staleAt;
      }
    } finally {
      this.#walking = false;
      this.#held.endPlacing();
    }
    if (handBack.length > 0) this.#handedBack.add(handBack, launcher);
    return handBack.length;
  }

  /**
   * {@link launch} with nothing newly claimed: called every turn that frees a slot, so it walks what waits in
   * place, and not at all while every slot is busy and no lease is near its half. What waits was within its
   * limits when it came, so it only leaves: sent, or handed back (its lease half gone, or its endpoint no
   * longer prompt). Its own method: the dispatcher calls it after every answer, and an empty array each
   * time was garbage.
   */
  launchWaiting(launcher: Launcher, now: number): number {
    const staleBefore = this.#staleAt;
    if (now < staleBefore && !launcher.hasRoom()) return 0;
    // An attempt that fails as it is launched (its endpoint gone, say) frees its slot at once, and the
    // dispatcher then asks for this again, inside the walk: that one is left to the end of the turn.
    if (this.#walking) return 0;
    this.#walking = true;
    try {
      return this.#walk(launcher, now, staleBefore);
    } finally {
      this.#walking = false;
    }
  }

  /** {@link launchWaiting}'s walk, from the head; `staleBefore`: the earliest half-lease before it. */
  #walk(launcher: Launcher, now: number, staleBefore: number): number {
    // Nothing waiting has to leave when no lease is near its half and no endpoint is slow (what waits was
    // prompt when it came): once the slots are full again, the rest stays as it is, unvisited. None is
    // stale before the earliest half-lease (#staleAt): a delivery's own is read only when it stays.
    const settled = now < staleBefore && this.#share.noneSlow(now);
    const mayBeStale = now >= staleBefore;
    const waiting = this.#waiting;
    const heldOf = this.#heldOf;
    const head = this.#head;
    // What stays is moved to [head, kept) as the walk goes.
    let kept = head;
    let handBack: DeliveryRecord[] | null = null;
    this.#staleAt = Number.POSITIVE_INFINITY;
    let i = head;
    for (; i < waiting.length; i++) {
      if (settled && !launcher.hasRoom()) {
        // Their earliest half-lease is no earlier than the earliest before this walk.
        if (staleBefore < this.#staleAt) this.#staleAt = staleBefore;
        break;
      }
      const delivery = waiting[i]!;
      const endpointId = delivery.endpointId;
      const stale = mayBeStale && this.#staleAtOf(delivery) <= now;
      if (!stale && launcher.hasRoom() && this.#share.mayStart(endpointId, now)) {
        launcher.launch(delivery);
      } else if (stale || !this.#share.isPrompt(endpointId, now)) {
        handBack ??= [];
        handBack.push(delivery);
      } else {
        heldOf[kept] = heldOf[i];
        waiting[kept++] = delivery;
        const staleAt = this.#staleAtOf(delivery);
        if (staleAt < this.#staleAt) this.#staleAt = staleAt;
        continue;
      }
      this.#held.remove(heldOf[i]!);
    }
    if (i === waiting.length) {
      waiting.length = kept;
      heldOf.length = kept;
    } else {
      // Stopped at i: what stayed before it moves up against the rest, the slots it leaves are cleared.
      let to = i;
      for (let k = kept - 1; k >= head; k--) {
        --to;
        waiting[to] = waiting[k];
        heldOf[to] = heldOf[k];
      }
      for (let k = head; k < to; k++) {
        waiting[k] = undefined;
        heldOf[k] = undefined;
      }
      this.#head = to;
    }
    if (handBack === null) return 0;
    this.#handedBack.add(handBack, launcher);
    return handBack.length;
  }

  #staleAtOf(delivery: DeliveryRecord): number {
    return (delivery.lockedUntil?.getTime() ?? 0) - this.#leaseMs / 2;
  }

  /** Resolves once the deliveries handed back so far are stored as unleased. */
  returning(): Promise<void> {
    return this.#handedBack.returning();
  }
}
