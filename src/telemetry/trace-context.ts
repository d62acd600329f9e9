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

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** The most of a `tracestate` kept: W3C asks vendors to keep entries short; 512 is its truncation limit. */
export const MAX_TRACESTATE = 512;

/** The `traceparent` header for a span context. */
export function formatTraceparent(parent: TraceParent): string {
  const flags = (parent.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${parent.traceId}-${parent.spanId}-${flags}`;
}

/**
 * Reads a `traceparent`; null when it is not a valid one (all-zero ids, version `ff`, a version-00 header
 * with extra fields). A later version's extra fields are ignored, as the specification asks.
 */
export function parseTraceparent(header: string): TraceParent | null {
  const m = TRACEPARENT.exec(header.trim());
  if (m === null) return null;
  const version = m[1]!;
  const traceId = m[2]!;
  const spanId = m[3]!;
  const flags = m[4]!;
  if (version === 'ff' || (version === '00' && m[5] !== undefined)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
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
  if (typeof tracestate === 'string' && tracestate.length > 0 && tracestate.length <= MAX_TRACESTATE) {
    context.tracestate = tracestate;
  }
  return context;
}
