import { describe, expect, it } from 'vitest';
import {
  formatTraceparent,
  parseTraceparent,
  readTraceContext,
  readTraceParent,
} from '../../src/telemetry/trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('traceparent', () => {
  it('is written as version 00 with lower-case hex flags', () => {
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 1 })).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 0 })).toBe(`00-${TRACE}-${SPAN}-00`);
  });

  it('reads back what it writes', () => {
    const parent = { traceId: TRACE, spanId: SPAN, traceFlags: 1 };
    expect(parseTraceparent(formatTraceparent(parent))).toEqual(parent);
  });

  it('refuses all-zero ids, version ff, upper-case hex and extra fields on version 00', () => {
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${SPAN}-01`)).toBeNull();
    expect(parseTraceparent(`00-${TRACE}-${'0'.repeat(16)}-01`)).toBeNull();
    expect(parseTraceparent(`ff-${TRACE}-${SPAN}-01`)).toBeNull();
    expect(parseTraceparent(`00-${TRACE.toUpperCase()}-${SPAN}-01`)).toBeNull();
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01-extra`)).toBeNull();
    expect(parseTraceparent('garbage')).toBeNull();
  });

  it("accepts a later version's extra fields, as the specification asks", () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-what-comes-next`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
    });
  });
});

describe('stored trace context', () => {
  it('keeps a valid traceparent and a tracestate', () => {
    const stored = { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'vendor=abc' };
    expect(readTraceContext(stored)).toEqual(stored);
  });

  it('reads anything malformed as no context, rather than failing a delivery', () => {
    expect(readTraceContext(null)).toBeNull();
    expect(readTraceContext('00-x')).toBeNull();
    expect(readTraceContext({ traceparent: 'nonsense' })).toBeNull();
    expect(readTraceContext({ traceparent: 42 })).toBeNull();
  });

  it('drops a tracestate that is empty or longer than 512 characters', () => {
    const traceparent = `00-${TRACE}-${SPAN}-01`;
    expect(readTraceContext({ traceparent, tracestate: '' })).toEqual({ traceparent });
    expect(readTraceContext({ traceparent, tracestate: `a=${'x'.repeat(600)}` })).toEqual({ traceparent });
  });
});

describe('stored trace context, read into its parts (for the delivery span links)', () => {
  it('gives the ids, the flags and a kept tracestate; null for anything malformed', () => {
    const traceparent = `00-${TRACE}-${SPAN}-00`;
    expect(readTraceParent({ traceparent, tracestate: 'vendor=abc' })).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 0,
      tracestate: 'vendor=abc',
    });
    expect(readTraceParent({ traceparent, tracestate: '' })).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 0,
    });
    expect(readTraceParent({ traceparent: ` ${traceparent} ` })).toMatchObject({ traceId: TRACE });
    expect(readTraceParent({ traceparent: `00-${TRACE}-${SPAN}-0g` })).toBeNull();
    expect(readTraceParent({ traceparent: 42 })).toBeNull();
    expect(readTraceParent(null)).toBeNull();
  });
});
