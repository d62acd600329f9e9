/**
 * Delay before the retry that follows attempt number `attempts` (1-based), or null when the schedule is
 * spent. The delay is spread by ± `jitter` so that many deliveries failing together do not retry together.
 */
export function retryDelay(
  attempts: number,
  schedule: readonly number[],
  jitter: number,
  random: () => number = Math.random,
): number | null {
  const base = schedule[attempts - 1];
  if (base === undefined) return null;
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}

/**
 * Parses a `Retry-After` header (RFC 9110: delay seconds or an HTTP date) into ms from `now`, capped at
 * `maxMs`. Returns null when absent or unreadable, 0 for a date in the past.
 */
export function parseRetryAfter(value: string | undefined, now: number, maxMs: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    // Only HTTP dates: Date.parse would also take "5" or "tomorrow"-like strings in some engines.
    if (!/^[A-Za-z]{3},? /.test(text)) return null;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return null;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), maxMs);
}
