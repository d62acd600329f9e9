/**
 * A binary min-heap of (time, id) pairs (an id is any value: a string by default). Used with lazy deletion: owners push a new pair whenever an item's
 * time changes and discard stale pairs when they surface, which keeps every operation O(log n) without an
 * index of positions.
 */
export class MinHeap<T = string> {
  #times: number[] = [];
  #ids: T[] = [];

  get size(): number {
    return this.#times.length;
  }

  push(time: number, id: T): void {
    const times = this.#times;
    const ids = this.#ids;
    let i = times.length;
    times.push(time);
    ids.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt <= time) break;
      times[i] = pt;
      ids[i] = ids[parent]!;
      i = parent;
    }
    times[i] = time;
    ids[i] = id;
  }

  /** Time of the smallest pair, or undefined when empty. */
  peekTime(): number | undefined {
    return this.#times[0];
  }

  peekId(): T | undefined {
    return this.#ids[0];
  }

  /** Removes the smallest pair. */
  pop(): void {
    const times = this.#times;
    const ids = this.#ids;
    const lastTime = times.pop();
    const lastId = ids.pop();
    if (times.length === 0 || lastTime === undefined || lastId === undefined) return;
    const n = times.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && times[right]! < times[left]! ? right : left;
      if (times[child]! >= lastTime) break;
      times[i] = times[child]!;
      ids[i] = ids[child]!;
      i = child;
    }
    times[i] = lastTime;
    ids[i] = lastId;
  }

  clear(): void {
    this.#times = [];
    this.#ids = [];
  }
}
