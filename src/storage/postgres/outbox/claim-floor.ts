/**
 * How long claims may read the claim index from the floor before one reads it from its start again, ms. Below
 * the floor a delivery may become claimable again without a new index entry: handed back unsent, its lease
 * over (its instance died), its endpoint enabled again, its row locked by another transaction when the floor
 * was taken, or stored by an instance whose clock runs behind. A claim that finds fewer than it asked for from
 * the floor looks from the start at once; this bounds how long such a delivery waits behind a busy outbox.
 */
export const FULL_READ_MS = 1_000;

/** A claim index key: a delivery's due time and id. */
export type ClaimKey = readonly [at: number, id: string];

/**
 * Where an instance's claims start reading the claim index (schema version 21, migrations/claim-floor.ts):
 * the key of the first delivery its last claim took. Before it the index holds deliveries that are delivered
 * (their entries stay until a vacuum), leased or otherwise not claimable when that claim passed them, so the
 * claims that follow need not walk through them again; every FULL_READ_MS one reads from the start.
 */
export class ClaimFloor {
  #floor: ClaimKey | null = null;
  #fullReadAt = Number.NEGATIVE_INFINITY;

  /** The floor for a claim at `now`, or null for a read from the start (then counted as done at `now`). */
  take(now: number): ClaimKey | null {
    if (this.#floor !== null && now >= this.#fullReadAt && now - this.#fullReadAt < FULL_READ_MS)
      return this.#floor;
    this.#fullReadAt = now;
    return null;
  }

  /** A claim that asked for fewer than it got from the floor reads from the start now. */
  readFromStart(now: number): void {
    this.#fullReadAt = now;
  }

  /**
   * After a claim at `now` took `first` (its first delivery in claim order, if any). One that left endpoints
   * out passed their deliveries, which may be claimable: it leaves the floor as it was.
   */
  claimed(first: ClaimKey | undefined, leftOut: boolean): void {
    if (leftOut) return;
    this.#floor = first ?? null;
  }
}
