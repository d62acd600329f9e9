/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` and `tracestate` headers sent
 * with HTTP job calls and webhook deliveries, and kept with each stored message. Written and read here,
 * without a propagator, so the headers go out whatever propagator the app registered (or none), and a
 * message stored by one process is read the same by another.
 */

/** The trace context a message was created in, as stored with it. */
export interface TraceContext {
  /** `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>` */
  traceparent: string;
  /** Vendor entries, as received (at most 512 characters kept). */
  tracestate?: string;
}

/** The parts of a `traceparent`, as OpenTelemetry's `SpanContext` holds them. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** The most of a `tracestate` kept: W3C asks vendors to keep entries short; 512 is its truncation limit. */
export const MAX_TRACESTATE = 512;
/** `00-` + 32 + `-` + 16 + `-` + 2: the length of a version-00 `traceparent`. */
const LENGTH = 55;

/** The `traceparent` header for a span context. */
export function formatTraceparent(parent: TraceParent): string {
  const flags = parent.traceFlags === 1 ? '01' : (parent.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${parent.traceId}-${parent.spanId}-${flags}`;
}

/**
 * Reads a `traceparent`; null when it is not a valid one (all-zero ids, version `ff`, a version-00 header
 * with extra fields). A later version's extra fields are ignored, as the specification asks.
 */
export function parseTraceparent(header: string): TraceParent | null {
  const text = header.length === LENGTH ? header : header.trim();
  if (text.length < LENGTH || text[2] !== '-' || text[35] !== '-' || text[52] !== '-') return null;
  if (!isHex(text, 0, 2) || !isHex(text, 3, 35) || !isHex(text, 36, 52) || !isHex(text, 53, 55)) return null;
  const version = text.slice(0, 2);
  if (version === 'ff' || (text.length > LENGTH && (version === '00' || text[LENGTH] !== '-'))) return null;
  const traceId = text.slice(3, 35);
  const spanId = text.slice(36, 52);
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, traceFlags: Number.parseInt(text.slice(53, 55), 16) };
}

/** Whether `text` is lower-case hex from `start` to `end`. */
function isHex(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * A stored trace context, checked: what storage hands back is data from outside (another process, a row
 * edited by hand), so anything malformed reads as no context rather than failing a delivery.
 */
export function readTraceContext(value: unknown): TraceContext | null {
  if (value === null || typeof value !== 'object') return null;
  const { traceparent, tracestate } = value as Record<string, unknown>;
  if (typeof traceparent !== 'string' || parseTraceparent(traceparent) === null) return null;
  const context: TraceContext = { traceparent };
  if (keptTracestate(tracestate)) context.tracestate = tracestate;
  return context;
}

/** A stored trace context read into its parts, checked as {@link readTraceContext} checks it. */
export function readTraceParent(value: unknown): (TraceParent & { tracestate?: string }) | null {
  if (value === null || typeof value !== 'object') return null;
  const { traceparent, tracestate } = value as Record<string, unknown>;
  const parent = typeof traceparent === 'string' ? parseTraceparent(traceparent) : null;
  if (parent === null || !keptTracestate(tracestate)) return parent;
  return { ...parent, tracestate };
}

function keptTracestate(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TRACESTATE;
}
