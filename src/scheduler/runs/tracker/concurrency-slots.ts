import { type ActiveRun, resumeRun } from './active-run.js';

/**
 * The concurrency limit of one instance: slots held by running runs (or reserved for a manual run about to
 * be handed over), and the runs waiting for a slot, first come first served. A run aborted while it waits
 * stays in the queue and is passed over when its turn comes (no search to remove it).
 */
export class ConcurrencySlots {
  readonly #limit: number;
  /** Runs waiting for a slot (FIFO from `#head`). */
  #queue: ActiveRun[] = [];
  #head = 0;
  #taken = 0;
  /** Slots taken by {@link reserve} for runs not handed over yet (counted in `#taken`). */
  #reserved = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Slots held, reserved ones included. */
  get taken(): number {
    return this.#taken;
  }

  /** Slots reserved for runs not handed over yet. */
  get reserved(): number {
    return this.#reserved;
  }

  get full(): boolean {
    return this.#taken >= this.#limit;
  }

  /** Takes a slot when one is free; false when all are taken. */
  tryTake(): boolean {
    if (this.#taken >= this.#limit) return false;
    this.#taken++;
    return true;
  }

  /** Queues a waiting run (its `wait` set): it is resumed once a slot is free and taken for it. */
  enqueue(active: ActiveRun): void {
    this.#queue.push(active);
  }

  /** Takes a slot for a run not handed over yet; the caller checked that one is free. */
  reserve(): void {
    this.#taken++;
    this.#reserved++;
  }

  /** The run a slot was reserved for was handed over: the slot is its own now. */
  handOverReserved(): void {
    this.#reserved--;
  }

  /** Gives back a reserved slot whose run will not be handed over. */
  cancelReservation(): void {
    this.#reserved--;
    this.release();
  }

  /** Gives back a slot and hands free slots to the runs waiting longest. */
  release(): void {
    this.#taken--;
    const queue = this.#queue;
    while (this.#head < queue.length && this.#taken < this.#limit) {
      const next = queue[this.#head]!;
      queue[this.#head++] = undefined as unknown as ActiveRun;
      // A run aborted while it waited has settled already.
      if (next.wait === null) continue;
      this.#taken++;
      resumeRun(next);
    }
    if (this.#head === queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }
}
