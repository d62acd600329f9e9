import { MinHeap } from '../../heap.js';

/** Sorted runs kept beside the heap: leases, fresh inserts and fan-outs taken in due order fill one each. */
const RUNS = 3;

/** (time, id) pairs pushed in non-decreasing time order: a FIFO, popped from its head. */
class SortedRun<T> {
  times: number[] = [];
  ids: T[] = [];
  head = 0;

  get empty(): boolean {
    return this.head === this.times.length;
  }

  /** Time of the last pair pushed; only asked of a run that is not empty. */
  get tail(): number {
    return this.times[this.times.length - 1]!;
  }

  push(time: number, id: T): void {
    this.times.push(time);
    this.ids.push(id);
  }

  pop(): void {
    this.head++;
    if (this.head === this.times.length) {
      this.times = [];
      this.ids = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.times.length) {
      // What was popped is dropped once it is half the arrays: each pair is copied at most once more.
      this.times = this.times.slice(this.head);
      this.ids = this.ids.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * A min-queue of (time, id) pairs (an id is any value: a string by default) with {@link MinHeap}'s methods
 * and its lazy deletion (owners push a new pair when an item's time changes and drop stale pairs as they
 * surface), for the in-memory outbox and job table.
 * Most of what they push comes in time order: a lease ends `leaseMs` after the claim, a message's deliveries
 * are due when it is stored, fan-outs are taken in due order. Such a pair goes to the end of a sorted run,
 * and the smallest pair is the smallest of the runs' heads and the heap's top, so pushing and popping it
 * cost O(1) instead of O(log n) over a heap that holds every pending delivery and every lease. A pair that
 * fits no run (earlier than every run's last) goes to the heap.
 */
export class WakeQueue<T = string> {
  readonly #heap = new MinHeap<T>();
  readonly #runs: SortedRun<T>[] = Array.from({ length: RUNS }, () => new SortedRun<T>());

  get size(): number {
    let size = this.#heap.size;
    for (const run of this.#runs) size += run.times.length - run.head;
    return size;
  }

  push(time: number, id: T): void {
    // The run whose last pair is latest but not after `time` keeps the others free for other sequences.
    let fit: SortedRun<T> | null = null;
    let empty: SortedRun<T> | null = null;
    for (const run of this.#runs) {
      if (run.empty) empty ??= run;
      else if (run.tail <= time && (fit === null || run.tail > fit.tail)) fit = run;
    }
    const run = fit ?? empty;
    if (run === null) this.#heap.push(time, id);
    else run.push(time, id);
  }

  /** The run whose head is the smallest pair, or null when the heap's top is (or everything is empty). */
  #first(): SortedRun<T> | null {
    let first: SortedRun<T> | null = null;
    let time = this.#heap.peekTime() ?? Number.POSITIVE_INFINITY;
    for (const run of this.#runs) {
      if (!run.empty && run.times[run.head]! < time) {
        first = run;
        time = run.times[run.head]!;
      }
    }
    return first;
  }

  /** Time of the smallest pair, or undefined when empty. */
  peekTime(): number | undefined {
    const run = this.#first();
    return run === null ? this.#heap.peekTime() : run.times[run.head];
  }

  peekId(): T | undefined {
    const run = this.#first();
    return run === null ? this.#heap.peekId() : run.ids[run.head];
  }

  /** Removes the smallest pair. */
  pop(): void {
    const run = this.#first();
    if (run === null) this.#heap.pop();
    else run.pop();
  }

  /**
   * Drops the pairs heading the sorted runs that `isCurrent` says are stale, as popping would once they are
   * the smallest. A lease's pair is pushed when its delivery is claimed and is stale once the attempt is
   * stored, which is soon; behind the due times of a backlog it would otherwise wait out the whole lease.
   */
  dropStale(isCurrent: (time: number, id: T) => boolean): void {
    for (const run of this.#runs) {
      while (!run.empty && !isCurrent(run.times[run.head]!, run.ids[run.head]!)) run.pop();
    }
  }

  clear(): void {
    this.#heap.clear();
    for (const run of this.#runs) {
      run.times = [];
      run.ids = [];
      run.head = 0;
    }
  }
}
