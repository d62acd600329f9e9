import type { QueuedWrite } from './group-commit.js';

/** Splits a group where a key repeats (a statement changes a row once), keeping call order. */
export function distinctParts<W>(group: QueuedWrite<W>[], key: (work: W) => string): QueuedWrite<W>[][] {
  const parts: QueuedWrite<W>[][] = [];
  let seen = new Set<string>();
  let part: QueuedWrite<W>[] = [];
  for (const write of group) {
    const k = key(write.work);
    if (seen.has(k)) {
      parts.push(part);
      part = [];
      seen = new Set();
    }
    seen.add(k);
    part.push(write);
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/**
 * Writes a part of a group as one set-based statement (`writeSet`), then lets `settle` resolve or reject each
 * write from its result. When the statement fails as a whole (one write clashing, say), the writes are made
 * again one at a time with `writeOne`, so only the bad one fails. A lone write gets the error at once, unless
 * `retryLone`: then it too is made again through `writeOne` (a separate transaction for attempt results).
 */
export async function writeAsSet<W, S>(
  part: QueuedWrite<W>[],
  writeSet: (works: W[]) => Promise<S>,
  settle: (write: QueuedWrite<W>, result: S) => void,
  writeOne: (work: W) => Promise<unknown>,
  retryLone = false,
): Promise<void> {
  let result: S;
  try {
    result = await writeSet(part.map((w) => w.work));
  } catch (error) {
    if (part.length === 1 && !retryLone) {
      part[0]!.reject(error);
      return;
    }
    for (const write of part) await writeOne(write.work).then(write.resolve, write.reject);
    return;
  }
  for (const write of part) settle(write, result);
}
