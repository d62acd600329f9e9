/**
 * The response headers of stored attempts, shared between attempts that kept the same ones: a receiver answers
 * with much the same headers every time, and the delivery log keeps every attempt. Stored attempts are never
 * changed in place and every read hands out a copy (`cloneAttempt`), so they may share one object; an object
 * per attempt is what garbage collection copies and marks.
 */
export class SharedHeaders {
  #last: Readonly<Record<string, string>> = {};
  /** The names of {@link #last}, in order. */
  #names: readonly string[] = [];

  /**
   * The headers stored last when `headers` are the same names, in the same order, with the same values, else a
   * copy of `headers`. Names are compared in order (an attempt's headers of interest are always set in one
   * order), and the first difference ends the comparison: counting the names and flagging a difference over all
   * of them cost about twice as much per attempt.
   */
  copy(headers: Readonly<Record<string, string>>): Record<string, string> {
    const last = this.#last;
    const names = this.#names;
    let i = 0;
    for (const name in headers) {
      if (i === names.length || names[i] !== name || last[name] !== headers[name]) return this.#keep(headers);
      i++;
    }
    return i === names.length ? (last as Record<string, string>) : this.#keep(headers);
  }

  #keep(headers: Readonly<Record<string, string>>): Record<string, string> {
    const kept = { ...headers };
    this.#last = kept;
    this.#names = Object.keys(kept);
    return kept;
  }
}
