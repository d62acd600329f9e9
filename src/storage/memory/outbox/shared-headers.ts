/**
 * The response headers of stored attempts, shared between attempts that kept the same ones: a receiver answers
 * with much the same headers every time, and the delivery log keeps every attempt. Stored attempts are never
 * changed in place and every read hands out a copy (`cloneAttempt`), so they may share one object; an object
 * per attempt is what garbage collection copies and marks.
 */
export class SharedHeaders {
  #last: Readonly<Record<string, string>> = {};
  #size = 0;

  /** The headers stored last when `headers` are the same names and values, else a copy of `headers`. */
  copy(headers: Readonly<Record<string, string>>): Record<string, string> {
    let size = 0;
    let same = true;
    for (const name in headers) {
      size++;
      if (same && this.#last[name] !== headers[name]) same = false;
    }
    if (same && size === this.#size) return this.#last as Record<string, string>;
    this.#last = { ...headers };
    this.#size = size;
    return this.#last as Record<string, string>;
  }
}
