/** Structured logs of `cronhook run`: one JSON object per line (`--log json`) or aligned text (`pretty`). */
import { errorFields, formatFields } from '../logger.js';
import type { Logger } from '../scheduler/types.js';
import type { ActiveSpanIds } from '../telemetry/otel-api.js';

export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LOG_LEVELS)[number];

export interface CliLogger extends Required<Logger> {
  log(level: Level, message: string, data?: Record<string, unknown>): void;
}

/**
 * A logger for `cronhook run`. `spanIds` tells the active span (see `activeSpanIds`): JSON lines written
 * while one is active carry its `trace_id` and `span_id`, so logs and traces meet in the backend.
 */
export function createLogger(
  format: LogFormat,
  write: (line: string) => void,
  minLevel: Level = 'info',
  now = () => new Date(),
  spanIds: (() => ActiveSpanIds | null) | null = null,
): CliLogger {
  const min = LOG_LEVELS.indexOf(minLevel);
  const log = (level: Level, message: string, given: Record<string, unknown> = {}) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    const time = now().toISOString();
    const data = roundDurations(given);
    if (format === 'json') {
      const span = spanIds?.() ?? null;
      const ids = span === null ? {} : { trace_id: span.traceId, span_id: span.spanId };
      write(JSON.stringify({ time, level, msg: message, ...ids, ...data }, errorFields));
      return;
    }
    const fields = formatFields(data, errorFields);
    write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${fields === '' ? '' : `  ${fields}`}`);
  };
  return {
    log,
    debug: (m, d) => log('debug', m, d),
    info: (m, d) => log('info', m, d),
    warn: (m, d) => log('warn', m, d),
    error: (m, d) => log('error', m, d),
  };
}

/**
 * Durations (`…Ms` fields) to the millisecond: transports time requests to fractions of one, which only
 * clutters a log line.
 */
function roundDurations(data: Record<string, unknown>): Record<string, unknown> {
  let out = data;
  for (const key in data) {
    const value = data[key];
    if (key.endsWith('Ms') && typeof value === 'number' && !Number.isInteger(value)) {
      if (out === data) out = { ...data };
      out[key] = Math.round(value);
    }
  }
  return out;
}
