/** Structured logs of `cronhook run`: one JSON object per line (`--log json`) or aligned text (`pretty`). */
import type { Logger } from '../scheduler/types.js';
import type { ActiveSpanIds } from '../telemetry/active-span.js';

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
  const log = (level: Level, message: string, data: Record<string, unknown> = {}) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    const time = now().toISOString();
    if (format === 'json') {
      const span = spanIds?.() ?? null;
      const ids = span === null ? {} : { trace_id: span.traceId, span_id: span.spanId };
      write(JSON.stringify({ time, level, msg: message, ...ids, ...data }, jsonSafe));
      return;
    }
    const fields = Object.entries(data)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v, jsonSafe)}`);
    write(
      `${time} ${level.toUpperCase().padEnd(5)} ${message}${fields.length ? `  ${fields.join(' ')}` : ''}`,
    );
  };
  return {
    log,
    debug: (m, d) => log('debug', m, d),
    info: (m, d) => log('info', m, d),
    warn: (m, d) => log('warn', m, d),
    error: (m, d) => log('error', m, d),
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error)
    return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  return value;
}
