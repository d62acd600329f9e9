/** One caller's write, waiting for the commit of the group it joined. */
export interface QueuedWrite<W> {
  readonly work: W;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Commits a group: must settle every write of it, resolving a write only once its data is durable (committed)
 * and rejecting it otherwise. A commit that throws rejects every write it left unsettled.
 */
export type CommitGroup<W> = (group: QueuedWrite<W>[]) => void | Promise<void>;

/**
 * Lets writes that are in no hurry wait for more (see {@link GroupCommit}): a commit's fixed costs (the
 * COMMIT, the pages it writes again, the flush) are then shared by more writes. A queue whose writes all
 * {@link mayWait} is not committed while {@link waiting} holds (the owner calls `GroupCommit.resume()` once it
 * no longer does), and then waits up to {@link turns} more turns of the event loop (and, under load, up to
 * {@link busyMs} more); it goes at once when it reaches {@link size} or a write arrives that may not wait
 * (which takes the queue with it).
 */
export interface Gather<W> {
  /** Whether `work` may wait for others (e.g. an outcome), rather than commit at the next turn (a claim). */
  mayWait(work: W): boolean;
  /** Whether writes that may wait should not commit now (e.g. while the previous commit's flush runs). */
  waiting(): boolean;
  /** Turns of the event loop a queue of writes that may wait is held for more, once not `waiting()`. */
  turns: number;
  /** A queue this long commits at once. */
  size: number;
  /**
   * Under load only (the queue began while the previous group was committing: writes keep coming), how long
   * a queue that may wait is held for more after its turns. Turns pass quickly between answers, so they
   * gather little; a wait of a few milliseconds makes groups as large as `size`. An idle queue (a lone write)
   * never waits for it. Without it, none.
   */
  busyMs?: number;
}

/**
 * Group commit. Writes arriving within one turn of the event loop (e.g. the attempts whose responses were
 * read in the same poll phase), or while the previous group is committing, are committed together: one
 * transaction and one fsync for the group instead of one per write. A caller still hears success only after
 * the commit that holds its write, so nothing acknowledged is lost on a crash. One group commits at a time,
 * in arrival order; the next starts on the following turn, so the writes that arrive meanwhile join it.
 */
export class GroupCommit<W> {
  readonly #commit: CommitGroup<W>;
  readonly #maxGroup: number;
  readonly #weigh: ((work: W) => number) | undefined;
  readonly #maxWeight: number;
  #queue: QueuedWrite<W>[] = [];
  #scheduled = false;
  #committing = false;
  /** Holds in force (see {@link hold}). */
  #held = 0;
  #idle: Array<() => void> = [];
  readonly #gather: Gather<W> | undefined;
  /** Queued writes that may not wait (see {@link Gather}). */
  #urgent = 0;
  /** Turns the queue has been held for more so far. */
  #turns = 0;
  /** The queue began while a group was committing (see {@link Gather.busyMs}). */
  #busy = false;
  /** The queue's wait of {@link Gather.busyMs}: pending, or over (null); undefined when not begun. */
  #busyWait: ReturnType<typeof setTimeout> | null | undefined;

  /**
   * @param maxGroup most writes in one group, so one transaction never grows without bound.
   * @param limit optionally, a size per write (e.g. bytes of a message body) and the most a group may hold;
   *   a write larger than that still goes, alone.
   * @param gather optionally, which writes may wait for more and when (see {@link Gather}); without it every
   *   group commits at the next turn.
   */
  constructor(
    commit: CommitGroup<W>,
    maxGroup = 500,
    limit?: { weigh: (work: W) => number; maxWeight: number },
    gather?: Gather<W>,
  ) {
    this.#gather = gather;
    this.#commit = commit;
    this.#maxGroup = maxGroup;
    this.#weigh = limit?.weigh;
    this.#maxWeight = limit?.maxWeight ?? Number.POSITIVE_INFINITY;
  }

  /** Queues `work`; resolves with what the commit function gave it once its group has committed. */
  push<R>(work: W): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#gather !== undefined && !this.#gather.mayWait(work)) this.#urgent++;
      if (this.#busyWait && !this.#mayWait()) {
        // Full, or a write that may not wait: the queue goes now, not when the wait ends.
        clearTimeout(this.#busyWait);
        this.#busyWait = null;
        setImmediate(() => this.#turn());
      }
      this.#schedule();
    });
  }

  /** Resolves once every write queued so far has been settled. */
  drained(): Promise<void> {
    if (!this.#scheduled && !this.#committing && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** How many queued writes the next group takes. */
  #take(): number {
    const most = Math.min(this.#maxGroup, this.#queue.length);
    if (this.#weigh === undefined) return most;
    let weight = 0;
    for (let n = 0; n < most; n++) {
      weight += this.#weigh(this.#queue[n]!.work);
      if (weight > this.#maxWeight) return Math.max(1, n);
    }
    return most;
  }

  /**
   * Holds the next groups back (a group committing now finishes) until the function returned is called:
   * writes keep queueing meanwhile, and go together once released.
   */
  hold(): () => void {
    this.#held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held--;
      if (this.#held === 0 && this.#queue.length > 0) this.#schedule();
    };
  }

  /** What {@link Gather.waiting} said has changed: writes that waited may go now. */
  resume(): void {
    if (this.#queue.length > 0) this.#schedule();
  }

  /** Whether the queue may wait for more writes (see {@link Gather}). */
  #mayWait(): boolean {
    const gather = this.#gather;
    return gather !== undefined && this.#urgent === 0 && this.#queue.length < gather.size;
  }

  #schedule(): void {
    if (this.#scheduled || this.#committing || this.#held > 0) return;
    if (this.#mayWait() && this.#gather!.waiting()) return; // resume() or a write that may not wait comes
    this.#scheduled = true;
    // setImmediate, not a microtask: it runs after the poll phase, so every I/O callback of this turn (each
    // in its own microtask checkpoint) has queued its write by then.
    setImmediate(() => this.#turn());
  }

  /** After a poll phase: commits, or holds a queue that may wait for another turn. */
  #turn(): void {
    if (this.#mayWait()) {
      if (this.#gather!.waiting()) {
        this.#scheduled = false;
        return;
      }
      if (this.#turns < this.#gather!.turns) {
        this.#turns++;
        setImmediate(() => this.#turn());
        return;
      }
      const busyMs = this.#gather!.busyMs;
      if (this.#busy && busyMs !== undefined && this.#busyWait === undefined) {
        this.#busyWait = setTimeout(() => {
          this.#busyWait = null;
          this.#turn();
        }, busyMs);
        return;
      }
    }
    void this.#flush();
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#held > 0) return; // released later: that schedules it again
    this.#committing = true;
    const group = this.#queue.splice(0, this.#take());
    this.#turns = 0;
    this.#busyWait = undefined;
    if (this.#urgent > 0) for (const write of group) if (!this.#gather!.mayWait(write.work)) this.#urgent--;
    try {
      await this.#commit(group);
    } catch (error) {
      for (const write of group) write.reject(error); // settling twice is a no-op for those already settled
    } finally {
      this.#committing = false;
      this.#busy = this.#queue.length > 0;
      if (this.#queue.length > 0) this.#schedule();
      else for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}
