/**
 * Long-lived Maps and Sets that many short-lived entries pass through (the deliveries being attempted, the
 * attempts of one deadline, a bounded run history) replace their table by a copy of it now and then.
 *
 * Why: once V8 has promoted such a collection's hash table to the old generation (it stayed across two
 * scavenges without a rehash, at start-up say), the tables its later rehashes make are old too, and a table
 * left behind by a rehash keeps pointing at the entries it held until the next full GC. The scavenger counts
 * those pointers as roots, so every entry that passed through is kept past the scavenges it should have died
 * in, and promoted: a Set with 16 live objects then kept every object added to it alive (38 MB surviving each
 * scavenge, Node 24), and a busy scheduler promoted each of its runs. A copy's table starts young, and a table
 * rehashed sooner than scavenges come stays young.
 *
 * A copy is made after max(4,096, twice the size) additions, so it costs at most half an entry copied per
 * addition. Adding while iterating may then not be seen by the iteration (it goes on over the old table).
 */
const RENEW_AFTER = 4096;

function renewDue(additions: number, size: number): boolean {
  return additions >= RENEW_AFTER && additions >= 2 * size;
}

/** A `Set` for entries that come and go, copied now and then (see the module comment). */
export class FreshSet<T> {
  #set = new Set<T>();
  #additions = 0;

  get size(): number {
    return this.#set.size;
  }

  add(value: T): this {
    if (renewDue(++this.#additions, this.#set.size)) {
      this.#additions = 0;
      this.#set = new Set(this.#set);
    }
    this.#set.add(value);
    return this;
  }

  has(value: T): boolean {
    return this.#set.has(value);
  }

  delete(value: T): boolean {
    return this.#set.delete(value);
  }

  clear(): void {
    this.#set = new Set();
    this.#additions = 0;
  }

  values(): SetIterator<T> {
    return this.#set.values();
  }

  [Symbol.iterator](): SetIterator<T> {
    return this.#set.values();
  }
}

/** A `Map` for entries that come and go, copied now and then (see the module comment). */
export class FreshMap<K, V> {
  #map = new Map<K, V>();
  #additions = 0;

  get size(): number {
    return this.#map.size;
  }

  set(key: K, value: V): this {
    if (renewDue(++this.#additions, this.#map.size)) {
      this.#additions = 0;
      this.#map = new Map(this.#map);
    }
    this.#map.set(key, value);
    return this;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  clear(): void {
    this.#map = new Map();
    this.#additions = 0;
  }

  values(): MapIterator<V> {
    return this.#map.values();
  }

  keys(): MapIterator<K> {
    return this.#map.keys();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.#map.entries();
  }
}
