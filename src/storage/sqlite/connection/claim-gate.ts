/**
 * When a claim may act on what it read (see `SqliteConnection.write`). Commits are numbered in order; a claim
 * may have read any commit up to the last one that made work claimable (a durable write of this connection,
 * or another connection's commit, which it cannot tell apart), and it resolves only once that commit's flush
 * has returned: a delivery is never attempted, nor a job run, on the strength of a commit a power cut could
 * still undo. A claim's own lease needs no flush (lost, it only makes the items claimable again).
 */
export class ClaimGate {
  /** Commits made so far: commit `n` is the n-th. */
  #commits = 0;
  /** The last commit known to be on disk. */
  #flushed = 0;
  /** The last commit that claims must see flushed before they return what they read. */
  #claimsWaitFor = 0;
  /** Claims committed, waiting for the commit they read (`upTo`) to be flushed; in commit order. */
  readonly #claims: Array<{ upTo: number; settle: (error: Error | null) => void }> = [];

  /**
   * A commit was made; `claimable`: it made work claimable, so claims from now on wait for its flush.
   * Returns its number.
   */
  committed(claimable: boolean): number {
    const commit = ++this.#commits;
    if (claimable) this.#claimsWaitFor = commit;
    return commit;
  }

  /** Whether claims wait for the flush of `commit` (so it must be flushed even with nothing else waiting). */
  awaited(commit: number): boolean {
    return this.#claimsWaitFor === commit;
  }

  /** A claim committed in the latest commit: `settle` is called once what it may have read is on disk. */
  claim(settle: (error: Error | null) => void): void {
    if (this.#claimsWaitFor <= this.#flushed) settle(null);
    else this.#claims.push({ upTo: this.#claimsWaitFor, settle });
  }

  /**
   * The flush covering commit `upTo` (the latest commit when omitted) returned (`error` null) or failed:
   * claims that waited for it are told. A claim whose flush failed is rejected: what it read may not be on
   * disk, so it must not be acted on (its lease runs out and the items are claimed again).
   */
  flushed(error: Error | null, upTo = this.#commits): void {
    if (error === null && upTo > this.#flushed) this.#flushed = upTo;
    while (this.#claims.length > 0 && this.#claims[0]!.upTo <= upTo) this.#claims.shift()!.settle(error);
  }
}
