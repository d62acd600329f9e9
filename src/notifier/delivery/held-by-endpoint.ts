/** What one endpoint has waiting in ClaimedAhead. Read-only outside HeldByEndpoint. */
export interface Held {
  readonly id: string;
  /** Its deliveries waiting now. */
  waiting: number;
  /** While a claim's deliveries are placed ({@link HeldByEndpoint.beginPlacing}): what it had waiting before. */
  before: number;
  /** Its place in {@link HeldByEndpoint.holding}, or -1 while nothing of it waits. */
  at: number;
}

/** Entries kept for endpoints that hold nothing, past which those are dropped (and made again when needed). */
const KEPT_IDLE = 1_024;

/**
 * ClaimedAhead's count of waiting deliveries per endpoint. An endpoint's entry stays from one claim to the next
 * (a map entry per delivery that came and went, and a second map swapped in at each claim, were three to five
 * map operations per delivery at 50 endpoints), and each waiting delivery keeps its entry beside it
 * (ClaimedAhead's `#heldOf`), so that it leaves without a lookup.
 */
export class HeldByEndpoint {
  readonly #byId = new Map<string, Held>();
  /** Entries with deliveries waiting: what claims walk (see ClaimedAhead.claimLimit and excluded). */
  #holding: Held[] = [];
  /** The entries whose `before` is set (see {@link beginPlacing}); reused, emptied, between claims. */
  #placing: Held[] = [];

  /** The endpoints with deliveries waiting. */
  get holding(): readonly Held[] {
    return this.#holding;
  }

  /** The endpoint's entry, made when it has none. */
  entry(id: string): Held {
    let held = this.#byId.get(id);
    if (held === undefined) {
      if (this.#byId.size >= KEPT_IDLE + this.#holding.length + this.#placing.length) this.#dropIdle();
      held = { id, waiting: 0, before: 0, at: -1 };
      this.#byId.set(id, held);
    }
    return held;
  }

  /** One more delivery of the endpoint waits. */
  add(held: Held): void {
    if (held.waiting++ === 0) {
      held.at = this.#holding.length;
      this.#holding.push(held);
    }
  }

  /** One delivery of the endpoint no longer waits (sent or handed back). */
  remove(held: Held): void {
    if (--held.waiting > 0) return;
    const holding = this.#holding;
    const moved = holding.pop()!;
    if (moved !== held) {
      holding[held.at] = moved;
      moved.at = held.at;
    }
    held.at = -1;
  }

  /**
   * What waits is placed anew with a claim's deliveries (ClaimedAhead.launch): each endpoint's count becomes its
   * `before`, and none waits until placed again. Ends with {@link endPlacing}.
   */
  beginPlacing(): void {
    const holding = this.#holding;
    for (let i = 0; i < holding.length; i++) {
      const held = holding[i]!;
      held.before = held.waiting;
      held.waiting = 0;
      held.at = -1;
    }
    this.#holding = this.#placing;
    this.#placing = holding;
  }

  /** The placing is over: no `before` is set any more. */
  endPlacing(): void {
    const placing = this.#placing;
    for (let i = 0; i < placing.length; i++) placing[i]!.before = 0;
    placing.length = 0;
  }

  /** Drops the entries of endpoints that hold nothing (many endpoints came and went). */
  #dropIdle(): void {
    for (const held of this.#byId.values())
      if (held.waiting === 0 && held.before === 0) this.#byId.delete(held.id);
  }
}
