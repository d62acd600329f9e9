import dns, { type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { CronhookError } from '../../errors.js';
import type { CompiledAddressPolicy } from './address-guard.js';

export interface GuardedConnectorOptions {
  policy: CompiledAddressPolicy;
  connectTimeoutMs: number;
  lookup: LookupFunction;
}

/**
 * An undici connector that checks every address it is about to connect to against the policy. Names are
 * checked inside the socket's own `lookup`, so the address checked is the address connected to: a DNS
 * answer that changes between a check and the connect (rebinding) cannot slip through. IP literals never
 * reach `lookup`, so they are checked before connecting.
 */
export function guardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const { policy } = options;
  const base = buildConnector({
    timeout: options.connectTimeoutMs,
    // HTTP/1.1 only: one code path for header caps and error mapping.
    allowH2: false,
    ...(policy.open ? { lookup: options.lookup } : { lookup: guardedLookup(options.lookup, policy) }),
  });
  if (policy.open) return base;
  return (connectOptions, callback) => {
    const host = connectOptions.hostname;
    if (isIP(host) !== 0) {
      const refused = policy.blocked(host, host);
      if (refused) {
        callback(refused, null);
        return;
      }
    }
    base(connectOptions, callback);
  };
}

/**
 * Wraps a `dns.lookup`-style function: addresses the policy refuses are dropped; when none is left the
 * lookup fails with `ERR_DESTINATION_BLOCKED`. A name with both public and private addresses connects
 * to the public ones only.
 */
export function guardedLookup(lookup: LookupFunction, policy: CompiledAddressPolicy): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    lookup(hostname, { ...lookupOptions, all: true }, (error, result) => {
      if (error) {
        callback(error, '');
        return;
      }
      const addresses: LookupAddress[] =
        typeof result === 'string' ? [{ address: result, family: isIP(result) }] : result;
      let refused: CronhookError | undefined;
      const allowed = addresses.filter((entry) => {
        const reason = policy.blocked(entry.address, hostname);
        refused ??= reason;
        return reason === undefined;
      });
      if (refused && allowed.length === 0) {
        callback(refused as NodeJS.ErrnoException, '');
        return;
      }
      if (lookupOptions.all) callback(null, allowed);
      else callback(null, allowed[0]?.address ?? '', allowed[0]?.family);
    });
  };
}

/** The system resolver, as `net.connect` would use it. */
export const systemLookup: LookupFunction = dns.lookup as LookupFunction;
