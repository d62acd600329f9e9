/**
 * Stored dates shared between records: the deliveries of one message are made at one instant, and a
 * completion moves few of a delivery's dates. Stored records are never changed in place and every read hands
 * out copies, so records may share their `Date` objects; thousands of retained small objects a second are
 * what garbage collection pays for.
 */

/** `stored` when `date` is the same instant (or both are null), else a copy of `date`. */
export function sameDate(stored: Date | null, date: Date | null): Date | null {
  if (date === null) return null;
  const time = date.getTime();
  return stored !== null && stored.getTime() === time ? stored : new Date(time);
}

/** Copies of dates, one per instant: the dates of one write share them. */
export class SharedDates {
  #time = Number.NaN;
  #date: Date | null = null;

  /** `stored`: a stored date (never changed in place) that copies of its instant may be. */
  constructor(stored?: Date) {
    if (stored !== undefined) {
      this.#time = stored.getTime();
      this.#date = stored;
    }
  }

  copy(date: Date | null): Date | null {
    if (date === null) return null;
    const time = date.getTime();
    if (time !== this.#time || this.#date === null) {
      this.#time = time;
      this.#date = new Date(time);
    }
    return this.#date;
  }
}
