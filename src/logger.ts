/**
 * What cronhook writes to the host app's logger: a message and a flat record of fields. Structured loggers
 * (pino, winston, the CLI's) take the record as it is; `console`, which would print it as a multi-line object,
 * gets one line per event instead.
 */

/**
 * Minimal logger: pino, winston, or `console`, which then prints one line per event (`message key=value …`)
 * rather than a multi-line object. Secrets are never passed to it.
 * @example new Scheduler({ storage, logger: console })
 */
export interface Logger {
  debug?(message: string, data?: Record<string, unknown>): void;
  info?(message: string, data?: Record<string, unknown>): void;
  warn?(message: string, data?: Record<string, unknown>): void;
  error?(message: string, data?: Record<string, unknown>): void;
}

/** `key=value` pairs for a log line: plain words as they are, anything else as JSON (never a line break). */
export function formatFields(
  data: Record<string, unknown>,
  json: (key: string, value: unknown) => unknown,
): string {
  return Object.entries(data)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => {
      const text =
        typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value, json);
      return `${key}=${text}`;
    })
    .join(' ');
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * The logger cronhook writes to: `console` itself (the global one) becomes a logger that prints one line per
 * event (`message key=value …`) through the same console methods; any other logger is used as given.
 */
export function appLogger(logger: Logger | undefined): Logger | undefined {
  if (logger === undefined || logger !== globalThis.console) return logger;
  const line = {} as Required<Logger>;
  for (const level of LEVELS) {
    line[level] = (message, data) => {
      const fields = data === undefined ? '' : formatFields(data, errorFields);
      console[level](fields === '' ? message : `${message} ${fields}`);
    };
  }
  return line;
}

/** Errors in log fields: their name, message and code, not an empty `{}`. */
export function errorFields(_key: string, value: unknown): unknown {
  if (value instanceof Error)
    return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  return value;
}
