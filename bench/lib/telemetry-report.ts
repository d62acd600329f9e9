/** The telemetry suite in docs/benchmarks.md: its table and its two targets (see telemetry-suite.ts). */
import type { TelemetryMode } from '../workers/telemetry.js';
import type { Outcome } from './results.js';
import { type TelemetryResults, telemetryRatio } from './telemetry-suite.js';

/** With the SDK and no-op exporters, throughput stays at least this share of telemetry absent. */
export const TELEMETRY_TARGET = 0.9;

const LABELS: Record<TelemetryMode, string> = {
  absent: 'absent (`@opentelemetry/api` not installed)',
  api: 'API installed, no SDK',
  sdk: 'SDK, no-op exporters',
};
const WORKLOADS: Record<string, string> = { http: 'HTTP jobs', webhook: 'webhooks (memory)' };

export interface TelemetryTarget {
  id: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export function telemetryTargets(
  results: TelemetryResults | undefined,
  fmt: (value: number, digits?: number) => string,
): TelemetryTarget[] {
  return Object.entries(WORKLOADS).map(([workload, label]) => {
    const ratio = results === undefined ? null : telemetryRatio(results, workload, 'sdk');
    const api = results === undefined ? null : telemetryRatio(results, workload, 'api');
    return {
      id: `telemetry-${workload}`,
      target: `Telemetry on (SDK, no-op exporters), ${label}: throughput ≥ ${TELEMETRY_TARGET}× telemetry absent`,
      measured:
        ratio === null
          ? 'not measured'
          : `${fmt(ratio, 2)}× (API without SDK: ${api === null ? '–' : `${fmt(api, 2)}×`})`,
      met: ratio === null ? null : ratio >= TELEMETRY_TARGET,
    };
  });
}

export function telemetryTable(
  results: TelemetryResults | undefined,
  fmt: (value: number, digits?: number) => string,
  status: (outcome: Outcome<unknown>) => string,
  table: (header: string[], rows: string[][]) => string,
): string {
  if (results === undefined) return '## 7. Telemetry\n\nNot run (`npm run bench -- --only=telemetry`).';
  const rows = results.best.map(({ workload, mode, outcome }) => {
    const label = [WORKLOADS[workload] ?? workload, LABELS[mode]];
    if (outcome.status !== 'ok') return [...label, status(outcome), '', '', '', ''];
    const ratio = telemetryRatio(results, workload, mode);
    const r = outcome.result;
    return [
      ...label,
      fmt(r.opsPerSec),
      fmt(r.failures),
      ratio === null ? '–' : `${fmt(ratio, 2)}×`,
      fmt(r.spans),
    ];
  });
  return [
    '## 7. Telemetry',
    '',
    `The cost of OpenTelemetry (docs/observability.md): ${results.concurrency} callers, each running its own HTTP`,
    'job with `triggerJob` in a loop, or publishing a message and awaiting its delivery (MemoryStorage, one',
    'endpoint), against the receiver of section 4. Each mode in its own process, in alternating rounds',
    `(${results.rounds.length / 6} of each); the best round of each counts. "Absent" makes every`,
    '`@opentelemetry/*` package unresolvable; "SDK" registers what NodeSDK registers (AsyncLocalStorage context',
    'manager, a tracer provider with a batch span processor, a meter provider with a periodic reader) with',
    'exporters that drop what they get, so the figures are cronhook’s spans and metrics, not an exporter’s I/O.',
    '',
    'CPU µs/op is the measured process’s CPU time per operation in the window: steadier than ops/s under load.',
    '',
    table(['workload', 'telemetry', 'ops/s', 'failures', 'vs absent', 'CPU µs/op', 'spans exported'], rows),
  ].join('\n');
}
