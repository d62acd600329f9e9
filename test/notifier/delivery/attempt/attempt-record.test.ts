import { describe, expect, it } from 'vitest';
import { attemptRecord } from '../../../../src/notifier/delivery/attempt/attempt-record.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';
import { delivery } from '../../../../src/testing/storage-suite/fixtures.js';
import { REDACTED } from '../../../../src/transport/echoed-secrets.js';
import type { TransportResponse } from '../../../../src/transport/types.js';

const clock = new FakeClock('2026-12-06T14:00:00Z');
const response = (headers: Record<string, string>, body: string): TransportResponse => ({
  status: 200,
  headers,
  body,
  bodyTruncated: false,
  durationMs: 1.5,
});
const record = (r: TransportResponse, secrets: string[] = []) =>
  attemptRecord(delivery('d', 'm', 'ep'), 'auto', clock.now(), r, null, secrets, clock);

describe('attemptRecord', () => {
  it('keeps each response its own headers of interest and snippet, alike or not, redacted per endpoint', () => {
    // Values equal to the attempt before are kept as the string kept then: what each record reads must still be
    // its own response's, whether the values repeat, change, come back, or hold another endpoint's secret.
    const date = 'Sun, 06 Dec 2026 14:00:00 GMT';
    const later = 'Sun, 06 Dec 2026 14:00:01 GMT';
    const records = [
      record(response({ 'content-type': 'text/plain', date, connection: 'keep-alive' }, 'ok')),
      record(response({ 'content-type': 'text/plain', date }, 'ok')),
      record(response({ 'content-type': 'text/plain', date: later }, 'ok then')),
      record(response({ date, 'x-request-id': 'tok-1' }, 'ok tok-1'), ['tok-1']),
      record(response({ date, 'x-request-id': 'tok-1' }, 'ok tok-1')),
      record(response({}, '')),
    ];
    expect(records.map((r) => [r.responseHeaders, r.responseSnippet])).toEqual([
      [{ 'content-type': 'text/plain', date }, 'ok'],
      [{ 'content-type': 'text/plain', date }, 'ok'],
      [{ 'content-type': 'text/plain', date: later }, 'ok then'],
      [{ date, 'x-request-id': REDACTED }, `ok ${REDACTED}`],
      [{ date, 'x-request-id': 'tok-1' }, 'ok tok-1'],
      [{}, ''],
    ]);
    expect(records.map((r) => r.id)).toEqual([...new Set(records.map((r) => r.id))]);
    for (const r of records) expect(r.id).toMatch(/^att_[A-Za-z0-9_-]{22}$/);
  });

  it('keeps every header of interest, and only those', () => {
    const kept = {
      'retry-after': '120',
      'content-type': 'application/json',
      'content-length': '42',
      location: 'https://example.com/elsewhere',
      date: 'Sun, 06 Dec 2026 14:00:00 GMT',
      server: 'nginx',
      'x-request-id': 'req-7',
    };
    const r = record(response({ ...kept, connection: 'close', 'set-cookie': 'a=b', etag: '"x"' }, ''));
    expect(r.responseHeaders).toEqual(kept);
    for (const [name, value] of Object.entries(kept))
      expect(record(response({ [name]: value, vary: 'accept' }, '')).responseHeaders).toEqual({
        [name]: value,
      });
  });

  it('gives each record headers of its own, also when they repeat, and the right ones when a set comes back', () => {
    const date = 'Sun, 06 Dec 2026 14:00:00 GMT';
    const a = record(response({ 'content-type': 'text/plain', date }, 'ok'));
    const b = record(response({ 'content-type': 'text/plain', date }, 'ok'));
    expect(b.responseHeaders).not.toBe(a.responseHeaders);
    a.responseHeaders.date = 'changed by a listener';
    expect(b.responseHeaders).toEqual({ 'content-type': 'text/plain', date });
    const c = record(response({ 'content-type': 'text/plain' }, 'ok'));
    const d = record(response({ 'content-type': 'text/plain', date }, 'ok'));
    expect([c.responseHeaders, d.responseHeaders]).toEqual([
      { 'content-type': 'text/plain' },
      { 'content-type': 'text/plain', date },
    ]);
    expect(record(response({ 'content-type': 'text/plain', date }, 'ok')).responseHeaders).toEqual(
      d.responseHeaders,
    );
  });
});
