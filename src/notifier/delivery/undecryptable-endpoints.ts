/**
 * Endpoints whose secrets this instance could not decrypt (ERR_ENCRYPTION_KEY), each with the clock time until
 * which its deliveries are left alone: they would fail the same way, so that is reported once a lease, and
 * claims leave the endpoint out meanwhile (another instance, with the key, may deliver them).
 */
export class UndecryptableEndpoints {
  readonly #until = new Map<string, number>();
  readonly #leaseMs: number;

  constructor(leaseMs: number) {
    this.#leaseMs = leaseMs;
  }

  /** An attempt of the endpoint found its secrets sealed at `now`: true when that is to be reported. */
  failed(endpointId: string, now: number): boolean {
    const report = (this.#until.get(endpointId) ?? 0) <= now;
    this.#until.set(endpointId, now + this.#leaseMs);
    return report;
  }

  /** Adds the endpoints left alone at `now` to `excluded` (and forgets those whose time is over). */
  addTo(excluded: string[], now: number): void {
    for (const [id, until] of this.#until) {
      if (until > now) excluded.push(id);
      else this.#until.delete(id);
    }
  }
}
