/**
 * What an item of a {@link LinkedSet} carries: whether it is in the set, and its neighbours there. An item
 * is in one such set at most.
 */
export interface Linked<T> {
  listed: boolean;
  previous: T | null;
  next: T | null;
}

/**
 * A set kept in insertion order as a list through its items themselves: an item joins and leaves it by
 * setting a few of its own fields, where a `Set` hashes it in and deletes it again, two table writes for
 * what is added and removed at every run (the scheduler's runs held, MemoryStorage's runs in flight).
 */
export class LinkedSet<T extends Linked<T>> implements Iterable<T> {
  #first: T | null = null;
  #last: T | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(item: T): void {
    if (item.listed) return;
    item.listed = true;
    item.previous = this.#last;
    item.next = null;
    if (this.#last === null) this.#first = item;
    else this.#last.next = item;
    this.#last = item;
    this.#size++;
  }

  has(item: T): boolean {
    return item.listed;
  }

  delete(item: T): void {
    if (!item.listed) return;
    const { previous, next } = item;
    if (previous === null) this.#first = next;
    else previous.next = next;
    if (next === null) this.#last = previous;
    else next.previous = previous;
    // An item that left points at none: nothing it outlives is kept alive through it.
    item.listed = false;
    item.previous = null;
    item.next = null;
    this.#size--;
  }

  /**
   * In insertion order. Changing an item's other fields while walking is fine; an item added or deleted
   * meanwhile may be seen or not (take a copy first).
   */
  *[Symbol.iterator](): Generator<T> {
    for (let item = this.#first; item !== null; item = item.next) yield item;
  }
}
