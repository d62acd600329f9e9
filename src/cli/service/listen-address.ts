import { UsageError } from '../command.js';

/** Where a service server listens. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Where a port given alone listens: this machine only, so nothing is exposed by accident. */
export const DEFAULT_HOST = '127.0.0.1';

/**
 * Reads `--metrics` / `--health` values: `9464`, `:9464`, `127.0.0.1:9464`, `0.0.0.0:9464` or
 * `[::1]:9464`. A port without a host listens on 127.0.0.1.
 */
export function parseListenAddress(text: string, flag: string): ListenAddress {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)?:)?(\d{1,5})$/.exec(text.trim());
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || !Number.isInteger(port) || port > 65_535) {
    throw new UsageError(
      `--${flag} is ${JSON.stringify(text)}; expected [host:]port, e.g. 127.0.0.1:9464 or 9464`,
      flag,
    );
  }
  const host = m[1] === undefined || m[1] === '' ? DEFAULT_HOST : m[1].replace(/^\[|\]$/g, '');
  return { host, port };
}
