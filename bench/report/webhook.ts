/** Section 5 of the report: webhook delivery against the warm undici + HMAC loop and the receiver's ceiling. */
import { type BenchResults, ok, type WebhookRow } from '../lib/results.js';
import { fmt, status, type Target, table } from './format.js';
import { publishTable } from './publish.js';

function webhookRow(results: BenchResults, endpoints: number, mode: string): WebhookRow | undefined {
  return ok(results.webhook.find((w) => w.endpoints === endpoints && w.mode === mode)?.outcome);
}

/** '≥ ' when the round's stored backlog ran out before its window ended (the rate is a lower bound). */
function lowerBound(r: WebhookRow): string {
  return 'exhausted' in r && r.exhausted ? '≥ ' : '';
}

const WEBHOOK_SENDERS: Record<string, string> = {
  autocannon: 'autocannon (receiver ceiling)',
  loop: 'undici + HMAC loop (warm)',
  memory: 'cronhook, MemoryStorage',
  sqlite: 'cronhook, SQLite',
  postgres: 'cronhook, Postgres',
};

/** Every figure against the warm loop of the same run. */
export function webhookTargets(results: BenchResults): Target[] {
  const out: Target[] = [];
  const factors: Record<string, number> = { memory: 1, sqlite: 0.5, postgres: 0.4 };
  for (const endpoints of [1, 50]) {
    const base = webhookRow(results, endpoints, 'loop');
    for (const [mode, factor] of Object.entries(factors)) {
      const r = webhookRow(results, endpoints, mode);
      out.push({
        id: `webhook-${mode}-${endpoints}`,
        target: `Webhooks (${mode}, ${endpoints} endpoint${endpoints > 1 ? 's' : ''}): deliveries/s ≥ ${factor}× the warm undici + HMAC loop`,
        measured:
          r && base
            ? `${lowerBound(r)}${fmt(r.deliveriesPerSec)} vs ${fmt(base.deliveriesPerSec)}/s (${fmt(r.deliveriesPerSec / base.deliveriesPerSec, 2)}×)`
            : 'not measured',
        met: r && base ? r.deliveriesPerSec >= factor * base.deliveriesPerSec : null,
      });
    }
    const memory = webhookRow(results, endpoints, 'memory');
    out.push({
      id: `webhook-latency-${endpoints}`,
      target: `Webhooks (memory, ${endpoints} endpoint${endpoints > 1 ? 's' : ''}): publish-to-delivered p50 < 5 ms`,
      measured:
        memory && 'latency' in memory
          ? `p50 ${fmt(memory.latency.p50, 2)} ms, p99 ${fmt(memory.latency.p99, 1)} ms`
          : '–',
      met: memory && 'latency' in memory ? memory.latency.p50 < 5 : null,
    });
  }
  return out;
}

export function webhookTable(results: BenchResults): string {
  if (results.webhook.length === 0) return '## 5. Webhook delivery\n\nNot run.';
  const rows = results.webhook.map(({ endpoints, mode, outcome, rounds }) => {
    const label = WEBHOOK_SENDERS[mode] ?? mode;
    const r = ok(outcome);
    if (!r) return [fmt(endpoints), label, status(outcome), '', '', '', '', '', ''];
    const base = webhookRow(results, endpoints, 'loop');
    const latency = 'latency' in r ? r.latency : null;
    const each = (rounds ?? [outcome]).map((o) => {
      const x = ok(o);
      return x ? `${lowerBound(x)}${fmt(x.deliveriesPerSec)}` : o.status;
    });
    return [
      fmt(endpoints),
      label,
      `${lowerBound(r)}${fmt(r.deliveriesPerSec)}`,
      fmt(r.messagesPerSec),
      base ? `${fmt(r.deliveriesPerSec / base.deliveriesPerSec, 2)}×` : '–',
      fmt(r.cpuUsPerDelivery, 1),
      latency ? fmt(latency.p50, 2) : '–',
      latency ? fmt(latency.p99, 1) : '–',
      each.join(' / '),
    ];
  });
  const rounds = Math.max(1, ...results.webhook.map((w) => w.rounds?.length ?? 1));
  const loop = ok(results.webhook.find((w) => w.mode === 'loop')?.outcome);
  const window = loop?.windowMs;
  const warmup = loop && 'warmupMs' in loop ? loop.warmupMs : undefined;
  return [
    '## 5. Webhook delivery',
    '',
    `Steady state, in alternating rounds (${rounds} of each, in the order of the table); the best round of each`,
    'counts, since load from elsewhere only ever slows a round down. Each round is a fresh process, warm',
    `(connections, JIT, caches${warmup ? `: it sends for ${fmt(warmup / 1000, 1)} s first` : ''}) before its counted window${window ? ` of ${fmt(window / 1000, 1)} s` : ''}. The plain loop is written as`,
    'a careful engineer would: 16 callers, each signing (HMAC-SHA256, Standard Webhooks headers, a key object per',
    'endpoint made once) and POSTing with one pooled undici `Agent`, bodies consumed. cronhook (`concurrency` and',
    '`perEndpointConcurrency` 16, `prefetch` its default 128, `HttpTransport`) drains a backlog stored with `publish()` before it starts',
    '(large enough to last the window; `≥` marks a round whose backlog ran out), counted at `delivery.succeeded`,',
    'i.e. once the outcome is committed. autocannon sends the same signed request (no signing per request) with 16',
    'connections: the receiver’s ceiling. Latency: one message at a time on an idle sender, from `publish()` to each',
    '`delivery.succeeded` (loop: from the message to each response, 16 at a time). The 50 endpoints are 50 paths',
    'on one receiver process, sharing one connection pool. SQLite is a file on disk with the default',
    '`synchronous: full`; Postgres a local server with its default durability (fsync on). CPU µs: of the sending',
    'process only (not the receiver’s, nor the Postgres server’s).',
    '',
    table(
      [
        'endpoints',
        'sender',
        'deliveries/s',
        'messages/s',
        'vs loop',
        'CPU µs/delivery',
        'p50 ms',
        'p99 ms',
        'rounds (deliveries/s)',
      ],
      rows,
    ),
    '',
    publishTable(results),
  ].join('\n');
}
