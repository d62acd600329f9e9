/**
 * Instances that start together and set up their jobs and endpoints at once, on a database none of them has
 * used yet: each runs test/fixtures/setup-instance.ts in its own process, with its own connection, and all of
 * them get the go (SIGUSR2) at the same moment once every one has opened the storage.
 */

import type { StorageConfig } from '../fixtures/open-storage.js';
import type { SetupStep } from '../fixtures/setup-instance.js';
import { type FixtureMessage, spawnFixture } from '../helpers/child-process.js';

/** What one step of one instance came to: its result, or the code of the error it threw. */
export type StepOutcome = { result: unknown } | { error: { code: string | null; message: string } };

/** Runs `stepsPerInstance.length` instances at once; resolves with each instance's step outcomes, in order. */
export async function startTogether(
  storage: StorageConfig,
  stepsPerInstance: SetupStep[][],
): Promise<StepOutcome[][]> {
  const children = stepsPerInstance.map((steps) =>
    spawnFixture('setup-instance.ts', [JSON.stringify({ storage, steps })]),
  );
  try {
    await Promise.all(children.map((child) => child.waitFor((m) => m.type === 'ready', 30_000)));
    for (const child of children) child.kill('SIGUSR2');
    await Promise.all(children.map((child) => child.waitFor((m) => m.type === 'done', 30_000)));
    return children.map((child) =>
      child.messages
        .filter((m): m is FixtureMessage & { index: number } => m.type === 'step')
        .sort((a, b) => a.index - b.index)
        .map((m) =>
          'error' in m
            ? { error: m.error as { code: string | null; message: string } }
            : { result: m.result },
        ),
    );
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
  }
}
