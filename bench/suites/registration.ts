/** Sections 1 and 2: registration at each size, and the idle cost of each library's largest size. */
import { runWorker } from '../lib/child.js';
import { minuteAfter } from '../lib/patterns.js';
import { LIBRARIES } from '../lib/peers.js';
import type { RegistrationInput, RegistrationResult } from '../workers/registration.js';
import { describe, type SuiteContext } from './context.js';

export async function registrationSuite({ profile, results, log }: SuiteContext): Promise<void> {
  // Patterns start 10 minutes from now, so no job is due while idle (the run takes far less).
  const startMinute = minuteAfter(10);
  for (const library of LIBRARIES) {
    const sizes = profile.registration.sizes[library];
    for (const n of sizes) {
      const input: RegistrationInput = { library, n, startMinute };
      if (n === sizes[sizes.length - 1]) input.idleMs = profile.registration.idleMs;
      const outcome = await runWorker<RegistrationResult>('registration', input, {
        timeoutMs: profile.registration.timeoutMs,
      });
      results.registration.push({ library, n, outcome });
      log(
        `registration ${library} ${n}: ${describe(outcome, (r) => `${r.usPerJob} µs/job, ${r.heapBytesPerJob} B/job, ${r.timers} timers${r.idle ? `, idle ${r.idle.corePct}% core` : ''}`)}`,
      );
    }
    // A library that could not hold its largest size (out of memory) is idle-measured at the largest it held.
    const held = results.registration.filter((r) => r.library === library && r.outcome.status === 'ok');
    const largest = held[held.length - 1];
    if (largest && largest.n !== sizes[sizes.length - 1]) {
      const input: RegistrationInput = {
        library,
        n: largest.n,
        startMinute,
        idleMs: profile.registration.idleMs,
      };
      const outcome = await runWorker<RegistrationResult>('registration', input, {
        timeoutMs: profile.registration.timeoutMs,
      });
      if (outcome.status === 'ok') largest.outcome = outcome;
      log(`idle ${library} ${largest.n}: ${describe(outcome, (r) => `${r.idle?.corePct}% core`)}`);
    }
  }
}
