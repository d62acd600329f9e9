/** The telemetry suite in docs/benchmarks.md: its tables and its two targets (see telemetry-suite.ts). */

import {
  HOOKS_MESSAGE,
  HOOKS_RUN,
  SDK_ALONE_MESSAGE,
  SDK_ALONE_RUN,
  type TelemetryResults,
  telemetryCpu,
  telemetryCpuRatio,
  telemetryRatio,
} from '../lib/telemetry-suite.js';
import type { TelemetryMode } from '../workers/telemetry.js';
import type { TelemetryUnitCostResult } from '../workers/telemetry-unit-cost.js';
import { fmt, status, type Target, table } from './format.js';

/** With the SDK and no-op exporters, throughput stays at least this share of telemetry absent. */
export const TELEMETRY_TARGET = 0.9;

const LABELS: Record<TelemetryMode, string> = {
  absent: 'absent (`@opentelemetry/api` not installed)',
  api: 'API installed, no SDK',
  sdk: 'SDK, no-op exporters',
  'sdk-sampled': 'SDK, one trace in ten sampled',
  'sdk-metrics': 'SDK, metrics only (no tracer provider)',
  'sdk-undici': 'SDK + `@opentelemetry/instrumentation-undici`',
};
/** The workloads the targets are set on. */
const WORKLOADS: Record<string, { label: string; unit: string }> = {
  http: { label: 'HTTP jobs', unit: 'runs/s' },
  webhook: { label: 'webhooks (memory)', unit: 'messages/s' },
};
/** The reference: section 4's plain undici loop, without and with the official undici instrumentation. */
const REFERENCE = { workload: 'undici', label: 'reference: plain undici loop', unit: 'requests/s' };

export function telemetryTargets(results: TelemetryResults | undefined): Target[] {
  return Object.entries(WORKLOADS).map(([workload, { label, unit }]) => {
    const target = `Telemetry on (SDK, no-op exporters), ${label}: throughput ≥ ${TELEMETRY_TARGET}× telemetry absent`;
    const id = `telemetry-${workload}`;
    const ratio = results === undefined ? null : telemetryRatio(results, workload, 'sdk');
    if (results === undefined || ratio === null) return { id, target, measured: 'not measured', met: null };
    const rate = (mode: TelemetryMode) => {
      const outcome = results.best.find((b) => b.workload === workload && b.mode === mode)?.outcome;
      return outcome?.status === 'ok' ? fmt(outcome.result.opsPerSec) : '–';
    };
    const api = telemetryRatio(results, workload, 'api');
    const cpuSdk = telemetryCpu(results, workload, 'sdk');
    const cpuAbsent = telemetryCpu(results, workload, 'absent');
    const cpuRatio = telemetryCpuRatio(results, workload, 'sdk');
    const cpu =
      cpuSdk === null || cpuAbsent === null || cpuRatio === null
        ? ''
        : `; CPU per operation ${fmt(cpuSdk, 1)} vs ${fmt(cpuAbsent, 1)} µs (${fmt(cpuRatio, 2)}× if CPU-bound)`;
    return {
      id,
      target,
      measured:
        `${fmt(ratio, 2)}× (${rate('sdk')} vs ${rate('absent')} ${unit})${cpu}; ` +
        `API without SDK ${api === null ? '–' : `${fmt(api, 2)}×`}` +
        (workload === 'http' ? reference(results) : ''),
      met: ratio >= TELEMETRY_TARGET,
    };
  });
}

/** The reference loop's ratios, as a clause of a target's measured text ('' when not measured). */
function reference(results: TelemetryResults): string {
  const { workload } = REFERENCE;
  const ratio = telemetryRatio(results, workload, 'sdk-undici');
  const cpuRatio = telemetryCpuRatio(results, workload, 'sdk-undici');
  const cpu = telemetryCpu(results, workload, 'sdk-undici');
  const cpuAbsent = telemetryCpu(results, workload, 'absent');
  if (ratio === null || cpuRatio === null || cpu === null || cpuAbsent === null) return '';
  return (
    `; reference, a plain undici loop with \`@opentelemetry/instrumentation-undici\`: ${fmt(ratio, 2)}× ` +
    `(CPU ${fmt(cpu, 1)} vs ${fmt(cpuAbsent, 1)} µs per request, ${fmt(cpuRatio, 2)}× if CPU-bound)`
  );
}

export function telemetryTable(results: TelemetryResults | undefined): string {
  if (results === undefined) return '## 7. Telemetry\n\nNot run (`npm run bench -- --only=telemetry`).';
  const rows = results.best.map(({ workload, mode, outcome }) => {
    const label = [
      WORKLOADS[workload]?.label ?? (workload === REFERENCE.workload ? REFERENCE.label : workload),
      LABELS[mode],
    ];
    if (outcome.status !== 'ok') return [...label, status(outcome), '', '', '', '', '', ''];
    const ratio = telemetryRatio(results, workload, mode);
    const cpu = telemetryCpu(results, workload, mode);
    const cpuRatio = telemetryCpuRatio(results, workload, mode);
    const r = outcome.result;
    return [
      ...label,
      fmt(r.opsPerSec),
      ratio === null ? '–' : `${fmt(ratio, 2)}×`,
      cpu === null ? '–' : fmt(cpu, 1),
      cpuRatio === null ? '–' : `${fmt(cpuRatio, 2)}×`,
      mode.startsWith('sdk') ? fmt(r.spansPerOp ?? r.spans / Math.max(1, r.ops), 2) : '–',
      fmt(r.failures),
    ];
  });
  const rounds = results.roundsEach ?? results.rounds.length / Math.max(1, results.best.length);
  const out = [
    '## 7. Telemetry',
    '',
    'The cost of OpenTelemetry (docs/observability.md), against the receiver process of section 4, each mode in',
    `its own fresh process, in alternating rounds (${rounds} of each). HTTP jobs as section 4 runs them:`,
    `${results.concurrency} callers, each running its own HTTP job with \`triggerJob\` in a loop (MemoryStorage).`,
    `Webhooks in steady state with the publishing inside the window: ${8 * results.concurrency} publishers each`,
    'publish a message and await its delivery, in a loop, so the outbox never runs dry and each message’s',
    '`create` span is counted with its delivery (MemoryStorage, one endpoint, the notifier as section 5 runs',
    `it: concurrency ${results.concurrency}, prefetch ${4 * results.concurrency}). "Absent" makes every`,
    '`@opentelemetry/*` package unresolvable. "SDK" starts `NodeSDK` as an application would (AsyncLocalStorage',
    'context manager, default sampler, batch span processor, a periodic metric reader every second) with',
    'exporters that drop what they get, so the figures are the SDK’s work on cronhook’s spans and metrics, not an',
    'exporter’s I/O; the target is set on it. "One trace in ten sampled" is the same SDK with',
    '`ParentBased(TraceIdRatioBased(0.1))`, as docs/observability.md advises at high rates (metrics still count',
    'every operation). "Metrics only" is the same SDK without a tracer provider (`OTEL_TRACES_EXPORTER=none`):',
    'no span or context is made, every measurement is. ops/s is the best round of each; CPU µs/op (the',
    'measured process’s CPU time per operation in the window, user + system) is the lowest of the rounds, and',
    'its ratio is what the throughput ratio would be if the process were CPU-bound. "Spans/op" counts what the',
    'exporter received per operation (3 expected, about 0.3 sampled, none with metrics only, 1 for the',
    'reference: fewer would mean spans were dropped).',
    '',
    'The reference is section 4’s plain undici loop (no cronhook) in the same rounds, without an SDK and with the',
    'same NodeSDK set-up plus the official `@opentelemetry/instrumentation-undici`: per request one client span',
    'with the HTTP conventions’ attributes, `traceparent` added, and one `http.client.request.duration`',
    'measurement. It shows what the conventions’ own instrumentation costs on a CPU-bound loopback loop, against',
    'which cronhook’s three spans and three measurements per run can be read.',
    '',
    table(
      ['workload', 'telemetry', 'ops/s', 'vs absent', 'CPU µs/op', 'CPU vs absent', 'spans/op', 'failures'],
      rows,
    ),
  ];
  const units = results.unitCosts;
  if (units !== undefined) {
    out.push(
      '',
      'What the SDK costs on this machine, without I/O (bench/workers/telemetry-unit-cost.ts: the same NodeSDK',
      'set-up, batches of 500 with a turn of the event loop between them, the lowest CPU time of alternating',
      'repetitions); what cronhook’s hooks cost in all for one HTTP run and one webhook message, the SDK’s work',
      'included; and the same spans, contexts and measurements made straight through the API with attribute',
      'sets made once, which is the SDK’s share no instrumentation can go below:',
      '',
      units.status === 'ok'
        ? table(
            ['item', 'CPU µs'],
            units.result.costs.map((c) => [c.item, fmt(c.us, 2)]),
          )
        : `Not measured: ${status(units)}.`,
    );
    if (units.status === 'ok') out.push(...ownShare(units.result, fmt));
  }
  return out.join('\n');
}

/** cronhook's own share of its hooks' cost: the hooks less the SDK's work alone, per run and per message. */
function ownShare(units: TelemetryUnitCostResult, fmt: (value: number, digits?: number) => string): string[] {
  const us = (item: string) => units.costs.find((c) => c.item === item)?.us;
  const parts: string[] = [];
  for (const [what, hooks, alone] of [
    ['an HTTP run', HOOKS_RUN, SDK_ALONE_RUN],
    ['a webhook message', HOOKS_MESSAGE, SDK_ALONE_MESSAGE],
  ] as const) {
    const all = us(hooks);
    const sdk = us(alone);
    if (all === undefined || sdk === undefined || all <= 0) continue;
    const own = Math.max(0, all - sdk);
    parts.push(
      `for ${what} ${fmt(all, 1)} µs, of which the SDK’s work ${fmt(sdk, 1)} µs and cronhook’s own code ` +
        `${fmt(own, 1)} µs (${fmt((own / all) * 100, 0)}%)`,
    );
  }
  return parts.length === 0 ? [] : ['', `Hooks without I/O: ${parts.join('; ')}.`];
}
