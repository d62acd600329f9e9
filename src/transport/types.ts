import type { Clock } from '../clock.js';

/**
 * Which destinations a request may reach. Checked at connect time against the resolved address, so a DNS
 * name that resolves to a private address is caught too.
 */
export interface AddressPolicy {
  /** Allow loopback, private, link-local, CGNAT, unique-local and metadata addresses. @default false */
  allowPrivateNetworks?: boolean;
  /** Hosts, IPs or CIDR ranges allowed even though private, e.g. `['10.1.2.0/24', 'billing.internal']`. */
  allow?: string[];
}

/** An outgoing HTTP request. */
export interface TransportRequest {
  url: string;
  /** @default 'POST' */
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Total time for the attempt (connect, headers and body). @default 30_000 */
  timeoutMs?: number;
  /** Destination policy for this request; without it the transport's own default applies. */
  addressPolicy?: AddressPolicy;
}

/** What came back. Bodies are capped; `bodyTruncated` says when the rest was discarded. */
export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  bodyTruncated: boolean;
  durationMs: number;
}

export interface SendOptions {
  /** Aborts the request (scheduler stop, handler timeout). */
  signal?: AbortSignal;
  /**
   * The sender's clock: the Scheduler and the WebhookNotifier pass theirs with every request. A transport
   * that records or waits (MockTransport) uses it, so tests on a FakeClock see the fake time; HttpTransport
   * measures real I/O and ignores it.
   */
  clock?: Clock;
}

/**
 * Sends HTTP requests. A response of any status resolves; only failures to get one (timeout, DNS,
 * connection, blocked destination, invalid response) reject, with a `CronhookError` code.
 */
export interface Transport {
  send(request: TransportRequest, options?: SendOptions): Promise<TransportResponse>;
  /** Closes pooled connections. */
  close?(): Promise<void>;
}
