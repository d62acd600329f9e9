import { describe, expect, it } from 'vitest';
import { main } from './index.js';

/** The tree as its root blocks (a root span with its descendants), names only, in a stable order. */
function blocks(tree: string[]): string[] {
  const found: string[][] = [];
  for (const line of tree) {
    const name = line.replace(/ {2}\[.*$/, '');
    if (!name.startsWith(' ')) found.push([name]);
    else found.at(-1)?.push(name.trim());
  }
  return found.map((b) => b.join(' > ')).sort();
}

describe('examples/tracing', () => {
  it('prints the span tree of an HTTP job, a handler job and their webhooks', async () => {
    const printed: string[] = [];
    const { tree, spans, received } = await main((line) => printed.push(line));
    expect(blocks(tree)).toEqual([
      'run close-invoices > attempt > close overdue invoices > create job.execution.succeeded',
      'run sync-rates > attempt > POST > create job.execution.succeeded',
      'send job.execution.succeeded > POST',
      'send job.execution.succeeded > POST',
    ]);
    // The service received the traceparent of the job's HTTP span, in the run's trace.
    const http = spans.find((s) => String(s.attributes['url.full']).endsWith('/rates/sync'))!;
    const service = received.find((r) => r.path.startsWith('/rates/sync'))!;
    expect(service.headers.traceparent).toBe(
      `00-${http.spanContext().traceId}-${http.spanContext().spanId}-01`,
    );
    expect(printed.join('\n')).not.toContain('kept-out-of-spans');
    expect(printed.filter((line) => line.includes('↪ linked to'))).toHaveLength(2);
  });
});
