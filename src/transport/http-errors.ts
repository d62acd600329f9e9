import { CronhookError, type CronhookErrorCode } from '../errors.js';

/** What the transport knew when a request failed, to tell a timeout from an abort from a network error. */
export interface FailureContext {
  /** Origin only (`https://host:port`): paths and queries of webhook URLs often hold secrets. */
  origin: string;
  /** Set when the total timeout or the caller's signal ended the request. */
  endedBy: 'timeout' | 'abort' | undefined;
  timeoutMs: number;
  connectTimeoutMs: number;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'ENODATA']);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/**
 * Maps whatever undici or the socket threw to a {@link CronhookError} with a stable code, keeping the
 * original as `cause`. Timeouts and aborts are decided by who ended the request, not by the error shape,
 * because undici reports both as a plain abort.
 */
export function toTransportError(error: unknown, context: FailureContext): CronhookError {
  const { origin } = context;
  if (context.endedBy === 'timeout')
    return fail('ERR_TIMEOUT', `Request to ${origin} timed out after ${context.timeoutMs} ms`, error);
  if (context.endedBy === 'abort') return fail('ERR_ABORTED', `Request to ${origin} was aborted`, error);
  if (error instanceof CronhookError) return error;
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT')
    return fail(
      'ERR_TIMEOUT',
      `Connecting to ${origin} timed out after ${context.connectTimeoutMs} ms (connectTimeoutMs)`,
      error,
    );
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return fail('ERR_TIMEOUT', `Request to ${origin} timed out: ${detail}`, error);
  if (code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'HPE_HEADER_OVERFLOW')
    return fail(
      'ERR_RESPONSE_TOO_LARGE',
      `Response headers from ${origin} exceed the limit (maxHeaderBytes)`,
      error,
    );
  // undici's HTTPParserError carries no code when llhttp rejects the very first bytes.
  if (code?.startsWith('HPE_') || code === 'UND_ERR_INFO' || errorName(error) === 'HTTPParserError')
    return fail('ERR_INVALID_RESPONSE', `Invalid HTTP response from ${origin}: ${detail}`, error);
  if (code !== undefined && DNS_CODES.has(code))
    return fail('ERR_DNS', `Could not resolve the host of ${origin} (${code})`, error);
  if (code !== undefined && CONNECTION_CODES.has(code))
    return fail('ERR_CONNECTION', `Connection to ${origin} failed: ${detail} (${code})`, error);
  if (
    code === 'UND_ERR_INVALID_ARG' ||
    code === 'UND_ERR_NOT_SUPPORTED' ||
    code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'
  )
    return fail('ERR_INVALID_OPTION', `Invalid request to ${origin}: ${detail}`, error, 'request');
  if (code === 'UND_ERR_ABORTED' || errorName(error) === 'AbortError')
    return fail('ERR_ABORTED', `Request to ${origin} was aborted`, error);
  // TLS failures (certificate, handshake) and anything else the socket reports are connection failures.
  return fail(
    'ERR_CONNECTION',
    `Connection to ${origin} failed: ${detail}${code ? ` (${code})` : ''}`,
    error,
  );
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Some socket errors arrive wrapped (undici's SocketError keeps the socket's error as cause).
  return errorCode((error as { cause?: unknown }).cause);
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function fail(code: CronhookErrorCode, message: string, cause: unknown, field?: string): CronhookError {
  return new CronhookError(code, message, field === undefined ? { cause } : { cause, field });
}
