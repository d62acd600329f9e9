import type { SchedulerOptions } from '../../src/scheduler/options.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { Run, SchedulerEvents } from '../../src/scheduler/types.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { FakeClock, flushPromises } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';

/** A scheduler on a FakeClock, MemoryStorage and a MockTransport, with every event recorded. */
export function createTestScheduler(options: SchedulerOptions & { start?: string } = {}) {
  const clock =
    options.clock instanceof FakeClock
      ? options.clock
      : new FakeClock(options.start ?? '2026-01-01T00:00:00.000Z');
  const transport =
    options.transport instanceof MockTransport ? options.transport : new MockTransport([], { clock });
  const storage = options.storage ?? new MemoryStorage();
  const scheduler = new Scheduler({ ...options, clock, transport, storage });
  const events: Array<SchedulerEvents[keyof SchedulerEvents]> = [];
  const names: Array<keyof SchedulerEvents> = [
    'job.added',
    'job.updated',
    'job.removed',
    'job.paused',
    'job.resumed',
    'job.started',
    'job.succeeded',
    'job.failed',
    'job.retrying',
    'job.skipped',
    'job.missed',
    'error',
  ];
  for (const name of names) scheduler.on(name, (e) => void events.push(e));
  const of = <K extends keyof SchedulerEvents>(type: K) =>
    events.filter((e): e is SchedulerEvents[K] => e.type === type);
  return { scheduler, clock, transport: transport as MockTransport, storage, events, of };
}

/** The run of `done` once it settled (after pending promise jobs ran), or undefined while it has not. */
export async function settledRun(done: Promise<Run>): Promise<Run | undefined> {
  let run: Run | undefined;
  void done.then((r) => {
    run = r;
  });
  await flushPromises();
  return run;
}
