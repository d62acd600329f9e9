/** Garbage-collects until the heap stops shrinking (needs `--expose-gc`). */
export function settleHeap(): number {
  const gc = globalThis.gc;
  if (!gc) throw new Error('run the worker with --expose-gc');
  let previous = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= previous - 1024) return used;
    previous = used;
  }
  return process.memoryUsage().heapUsed;
}

/** Timers armed in this process (Node's `Timeout` resources). */
export function armedTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}
