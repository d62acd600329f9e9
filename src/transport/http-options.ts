import type { LookupFunction } from 'node:net';
import type { AddressPolicy } from './types.js';

/** Options of {@link HttpTransport}. Each is validated when the transport is created. */
export interface HttpTransportOptions {
  /**
   * Time to open the TCP (and TLS) connection, DNS lookup included. The request's `timeoutMs` still
   * bounds the whole attempt.
   * @default 10_000
   */
  connectTimeoutMs?: number;
  /**
   * Bytes of response body kept; the rest is discarded without being buffered (the connection is closed)
   * and the response says `bodyTruncated: true`.
   * @default 65_536
   */
  maxResponseBytes?: number;
  /**
   * Bytes of response headers accepted; more fails the request with `ERR_RESPONSE_TOO_LARGE`.
   * @default 16_384
   */
  maxHeaderBytes?: number;
  /**
   * Destinations allowed for requests that carry no `addressPolicy` of their own. The default allows
   * everything, because scheduled HTTP jobs usually call the app's own services; the webhook notifier
   * passes a strict policy with each request.
   * @default { allowPrivateNetworks: true }
   * @example { allowPrivateNetworks: false, allow: ['billing.internal', '10.20.0.0/16'] }
   */
  addressPolicy?: AddressPolicy;
  /**
   * `user-agent` sent when the request has none.
   * @default `cronhook/<version>`
   */
  userAgent?: string;
  /**
   * Resolver with the signature of `dns.lookup`, e.g. a caching one. The address guard checks what it
   * returns.
   * @default dns.lookup
   */
  lookup?: LookupFunction;
}
