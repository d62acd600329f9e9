import type { DeliveryEntry } from './delivery-entry.js';

/** One endpoint's stored deliveries, in the order stored; deleted ones leave when they are half of it. */
interface EndpointList {
  entries: DeliveryEntry[];
  removed: number;
}

/**
 * The deliveries `DeliveryTable.insert` stores, listed by endpoint, so that deleting or re-enabling an endpoint
 * visits its deliveries only. A deleted delivery is marked removed and stays listed until the removed ones
 * are half of its endpoint's list: then the list is filtered once, instead of spliced on every delete.
 */
export class EndpointLists {
  readonly #lists = new Map<string, EndpointList>();

  add(entry: DeliveryEntry): void {
    const endpointId = entry.record.endpointId;
    let list = this.#lists.get(endpointId);
    if (list === undefined) {
      list = { entries: [], removed: 0 };
      this.#lists.set(endpointId, list);
    }
    list.entries.push(entry);
  }

  /** A listed delivery was deleted (marked removed). */
  removed(entry: DeliveryEntry): void {
    const endpointId = entry.record.endpointId;
    const list = this.#lists.get(endpointId);
    if (list === undefined) return;
    if (++list.removed * 2 < list.entries.length) return;
    list.entries = list.entries.filter((e) => !e.removed);
    list.removed = 0;
    if (list.entries.length === 0) this.#lists.delete(endpointId);
  }

  /** The endpoint's listed deliveries, but removed ones: a copy, the caller may remove them as it goes. */
  of(endpointId: string): DeliveryEntry[] {
    return this.#lists.get(endpointId)?.entries.filter((e) => !e.removed) ?? [];
  }
}
