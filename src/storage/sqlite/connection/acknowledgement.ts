import type { QueuedWrite } from '../../sql/group-commit.js';
import type { ClaimGate } from './claim-gate.js';
import type { WalSync } from './wal-sync.js';

/**
 * How a write waits for the disk (see `SqliteConnection.write`):
 * - `'durable'`: acknowledged once its commit is flushed; a later claim waits for that flush too, since the
 *   write may have made work claimable (a message's deliveries, a job, a run request);
 * - `'outcome'`: acknowledged once flushed, but claims need not wait for it: it only records what became of
 *   rows that were already on disk before anyone could claim them (an attempt's result, a run's end);
 * - `'claim'`: a lease, acknowledged without waiting for its own flush (a lease lost in a power cut only makes
 *   the items claimable again), but only once everything it may have read is on disk.
 */
export type WriteKind = 'durable' | 'outcome' | 'claim';

/** A write queued for a group commit. */
export interface Write {
  work: () => unknown;
  kind: WriteKind;
}

/** What running a group gave: each write's result, and whether other connections committed meanwhile. */
export interface GroupRun {
  results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
  foreign: boolean;
}

/** Acknowledges a committed group's writes at once: nothing of ours flushes the WAL after commits. */
export function settleNow(group: QueuedWrite<Write>[], { results }: GroupRun): void {
  results.forEach((result, i) => {
    if (result.ok) group[i]!.resolve(result.value);
    else group[i]!.reject(result.error);
  });
}

/**
 * Acknowledges a committed group's writes as their {@link WriteKind} says, with the WAL flushed by `wal`:
 * durable and outcome writes once the flush that covers this commit has returned (the next group may commit
 * meanwhile); claims once the flush of the last commit they may have read has, as `gate` tells. `flushed` runs
 * after that flush (outcomes waiting for it may commit then).
 */
export function settleAfterFlush(
  group: QueuedWrite<Write>[],
  { results, foreign }: GroupRun,
  wal: WalSync,
  gate: ClaimGate,
  flushed: () => void,
): void {
  const commit = gate.committed(foreign || group.some((w, i) => w.work.kind === 'durable' && results[i]!.ok));
  const waiting: Array<[QueuedWrite<Write>, unknown]> = [];
  results.forEach((result, i) => {
    const write = group[i]!;
    if (!result.ok) write.reject(result.error);
    else if (write.work.kind !== 'claim') waiting.push([write, result.value]);
    // A claim that found nothing has nothing to act on.
    else if (isEmptyList(result.value)) write.resolve(result.value);
    else gate.claim((error) => (error === null ? write.resolve(result.value) : write.reject(error)));
  });
  if (waiting.length === 0 && !gate.awaited(commit)) return;
  wal.afterCommit((error) => {
    for (const [write, value] of waiting) {
      if (error === null) write.resolve(value);
      else write.reject(error);
    }
    gate.flushed(error, commit);
    flushed();
  });
}

const isEmptyList = (value: unknown) => Array.isArray(value) && value.length === 0;
