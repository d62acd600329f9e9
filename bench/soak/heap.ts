/** The soak's heap figures: the heap after GC, and its trend over the run. */

/** Heap used after full GCs (until it stops shrinking), in MB; null without `--expose-gc`. */
export function settledHeapMB(): number | null {
  const gc = globalThis.gc;
  if (!gc) return null;
  let previous = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 4; i++) {
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= previous - 1024) break;
    previous = used;
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Least-squares slope of y over x; null with fewer than 3 points or no spread in x. */
export function slope(points: Array<[number, number]>): number | null {
  if (points.length < 3) return null;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? null : num / den;
}
