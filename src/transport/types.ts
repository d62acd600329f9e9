/** An outgoing HTTP request. */
export interface TransportRequest {
  url: string;
  /** @default 'POST' */
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Total time for the attempt (connect, headers and body). @default 30_000 */
  timeoutMs?: number;
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
