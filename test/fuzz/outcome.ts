/**
 * Runs one fuzz case and classifies what happened, so each property states the contract in one place:
 * the call works, or fails with the library's own error class and one of the codes the entry point
 * documents. Anything else escaping (a TypeError, a RangeError from runaway recursion) or a call that does
 * not settle in time fails the property.
 */
import { expect } from 'vitest';

/**
 * Longest a single call may take before it counts as a hang: validation is quick work on small input, and
 * the margin absorbs GC pauses and a busy CI machine.
 */
export const CASE_LIMIT_MS = 2_000;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

class CaseTimeout extends Error {}

/** Runs `call`, bounded by `limitMs` (a promise that never settles) and timed (synchronous work that spins). */
export async function runCase<T>(call: () => T | Promise<T>, limitMs = CASE_LIMIT_MS): Promise<Outcome<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CaseTimeout(`did not settle within ${limitMs} ms`)), limitMs);
  });
  let result: Outcome<T>;
  try {
    result = { ok: true, value: await Promise.race([Promise.resolve().then(call), timeout]) };
  } catch (error) {
    if (error instanceof CaseTimeout) throw error;
    result = { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
  const elapsed = performance.now() - started;
  if (elapsed > limitMs) throw new Error(`the call took ${Math.round(elapsed)} ms (limit ${limitMs} ms)`);
  return result;
}

/** Describes an unexpected error fully enough to fix it from the fuzz report alone. */
function describe(error: unknown): string {
  if (error instanceof Error)
    return `${error.name} (code ${String((error as { code?: unknown }).code)}): ${error.message}\n${error.stack}`;
  return `a thrown non-Error: ${String(error)}`;
}

/**
 * Asserts that a failed call threw an instance of `errorClass` with one of `codes`, and a message that says
 * something (not empty, not "undefined").
 */
export function expectCleanRejection(
  error: unknown,
  errorClass: abstract new (...args: never[]) => Error,
  codes: readonly string[],
): void {
  if (!(error instanceof errorClass))
    throw new Error(`expected a ${errorClass.name}, got ${describe(error)}`);
  const code = (error as { code?: unknown }).code;
  expect(codes, `unexpected code for: ${error.message}`).toContain(code);
  expect(error.message.length).toBeGreaterThan(10);
}
