/**
 * A limit on wrong credentials per client address, for the dashboard the CLI serves. Without one, a dashboard
 * served on a network answers password after password as fast as it can, so a guessable password falls to a
 * script. After `maxFailures` requests with wrong credentials from one address within a window, that address
 * is refused unchecked (a 401 like any other) until the window ends. Requests without credentials (a browser's
 * first request, before it asks for them) are not counted. Behind a proxy every client has the proxy's
 * address: a guesser then locks everyone out for the rest of the window, which is still better than letting
 * it guess.
 */
import { type Clock, systemClock } from '../clock.js';
import type { Authorizer } from '../dashboard/index.js';

export interface SignInLimitOptions {
  /** Wrong credentials allowed per address and window. @default 20 */
  maxFailures?: number;
  /** @default 60_000 */
  windowMs?: number;
  clock?: Clock;
  /** Called once per address and window, when the address reaches the limit. */
  onLimited?: (address: string) => void;
}

/** Addresses remembered per window at most: past it, new addresses are not counted (memory stays bounded). */
const MAX_ADDRESSES = 10_000;

/** `check`, refusing an address unchecked once it has sent too many wrong credentials in the window. */
export function limitSignIns(check: Authorizer, options: SignInLimitOptions = {}): Authorizer {
  const maxFailures = options.maxFailures ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const clock = options.clock ?? systemClock;
  const failures = new Map<string, number>();
  let windowStart = Number.NEGATIVE_INFINITY;
  const limited: Authorizer = (request) => {
    const now = clock.now();
    if (now - windowStart >= windowMs) {
      failures.clear();
      windowStart = now;
    }
    const address = request.node?.socket?.remoteAddress ?? 'unknown';
    const count = failures.get(address) ?? 0;
    if (count >= maxFailures) return false;
    const allowed = check(request);
    if (!allowed && request.headers.has('authorization')) {
      if (count > 0 || failures.size < MAX_ADDRESSES) failures.set(address, count + 1);
      if (count + 1 === maxFailures) options.onLimited?.(address);
    }
    return allowed;
  };
  if (check.challenge !== undefined) limited.challenge = check.challenge;
  return limited;
}
