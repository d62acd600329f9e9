import type { Row } from '../../sql/codec.js';
import { arrayLiteral } from '../set-writes.js';

/**
 * Endpoint rows kept for claims; past this many the one returned longest ago goes. Every claim sends all their
 * versions (~40 bytes each), which the server looks through for each endpoint the claim returns.
 */
const MAX_KEPT = 256;

/**
 * SQL of an endpoint row's version (of row `e`): the transaction that wrote it (`xmin`) and its place (`ctid`),
 * both new at every insert or update by any process. A version read twice is the same row: once frozen, a
 * row shows `xmin` 2, so a row updated and frozen since would need its old place too to pass for the old one.
 */
export const ENDPOINT_VERSION = `e.xmin::text || ':' || e.ctid::text`;

interface Kept {
  version: string;
  row: Row;
}

/**
 * The endpoint rows claims returned, with their versions, so that a claim returns only the rows that changed
 * since: a claim sends the versions kept, and gets each of its endpoints' version and, only when that differs,
 * the row (made by to_json(), ~15 µs of server time for an endpoint, which at 50 endpoints the claim paid for
 * about every delivery: its deliveries go to as many endpoints). A row so confirmed is as current as one the
 * claim read again. Memory: up to MAX_KEPT rows.
 */
export class EndpointVersions {
  readonly #kept = new Map<string, Kept>();

  /** What a claim sends (ids and versions as array literals), and the rows as they were when sent. */
  sent(): { ids: string; versions: string; kept: ReadonlyMap<string, Kept> } {
    const kept = new Map(this.#kept);
    return {
      ids: arrayLiteral([...kept.keys()]),
      versions: arrayLiteral([...kept.values()].map((k) => k.version)),
      kept,
    };
  }

  /**
   * The row of endpoint `id` a claim returned with `version`: `row` when it sent one, else the one `sent` held
   * at that version. Undefined when neither (the claim found no such endpoint).
   */
  received(
    id: string,
    version: string | null,
    row: Row | null,
    sent: ReadonlyMap<string, Kept>,
  ): Row | undefined {
    if (version === null) {
      this.#kept.delete(id);
      return undefined;
    }
    const current = row ?? (sent.get(id)?.version === version ? sent.get(id)!.row : undefined);
    if (current === undefined) return undefined;
    this.#kept.delete(id); // kept again as the newest
    this.#kept.set(id, { version, row: current });
    if (this.#kept.size > MAX_KEPT) this.#kept.delete(this.#kept.keys().next().value as string);
    return current;
  }
}
