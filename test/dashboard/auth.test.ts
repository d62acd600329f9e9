/**
 * basicAuth and bearerToken: what they compare, that the work does not tell which part was wrong, and their
 * guessing limit (on the fake clock).
 */

import type { IncomingMessage } from 'node:http';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Authorizer, DashboardRequest } from '../../src/dashboard/index.js';
import { basicAuth, bearerToken, limitSignIns, TooManySignInsError } from '../../src/dashboard/index.js';
import { FakeClock } from '../../src/testing/fake-clock.js';

/** Constant-time comparisons made so far (node:crypto's timingSafeEqual, counted). */
const compared = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (original) => {
  const actual = await original<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.calls++;
      return actual.timingSafeEqual(a, b);
    },
  };
});
beforeEach(() => {
  compared.calls = 0;
});

function request(authorization: string): DashboardRequest {
  return { method: 'GET', url: new URL('http://127.0.0.1/'), headers: new Headers({ authorization }) };
}
const basic = (text: string) => request(`Basic ${Buffer.from(text).toString('base64')}`);

describe('basicAuth', () => {
  it('accepts the user name and password only', () => {
    const check = basicAuth({ username: 'ops', password: 'pa:ss word' });
    expect(check(basic('ops:pa:ss word'))).toBe(true);
    for (const wrong of ['ops:pa:ss', 'op:pa:ss word', 'ops', ':pa:ss word', 'ops:pa:ss wordx', '']) {
      expect([wrong, check(basic(wrong))]).toEqual([wrong, false]);
    }
    expect(check(request('Bearer ops:pa:ss word'))).toBe(false);
  });

  it('does the same constant-time work for a wrong user name as for a wrong password', () => {
    const check = basicAuth({ username: 'ops', password: 's3cret-password' });
    check(basic('nobody:s3cret-password'));
    const forWrongUser = compared.calls;
    compared.calls = 0;
    check(basic('ops:wrong-password'));
    expect(compared.calls).toBe(forWrongUser);
    expect(forWrongUser).toBeGreaterThan(0);
  });

  it('refuses a user name with ":", which the browser could not send apart from the password', () => {
    expect(() => basicAuth({ username: 'a:b', password: 'x' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'username' }),
    );
  });
});

describe('bearerToken', () => {
  it('accepts the token only, compared in constant time', () => {
    const check = bearerToken('tok-0123456789');
    expect(check(request('Bearer tok-0123456789'))).toBe(true);
    expect(compared.calls).toBeGreaterThan(0);
    expect(check(request('Bearer tok-012345678'))).toBe(false);
    expect(check(request('Basic tok-0123456789'))).toBe(false);
  });
});

/** A request from `address` (the connection's remote address), with credentials when given. */
function from(address: string, authorization?: string): DashboardRequest {
  return {
    method: 'GET',
    url: new URL('http://127.0.0.1/'),
    headers: new Headers(authorization === undefined ? {} : { authorization }),
    node: { socket: { remoteAddress: address } } as unknown as IncomingMessage,
  };
}
const basicHeader = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

/** What the authorizer says: true, false, or the limit's refusal with its wait. */
function outcome(check: Authorizer, request: DashboardRequest): boolean | { retryAfterMs: number } {
  try {
    return check(request);
  } catch (error) {
    expect(error).toBeInstanceOf(TooManySignInsError);
    expect(error).toMatchObject({ code: 'ERR_RATE_LIMITED' });
    return { retryAfterMs: (error as TooManySignInsError).retryAfterMs };
  }
}

describe('the guessing limit (limitSignIns, basicAuth, bearerToken)', () => {
  it('refuses a client unchecked after maxFailures wrong credentials, until its window ends', async () => {
    const clock = new FakeClock(0);
    const limited: string[] = [];
    const check = basicAuth({
      username: 'ops',
      password: 'right-password',
      limit: { maxFailures: 3, windowMs: 60_000, clock, onLimited: (client) => limited.push(client) },
    });
    expect(check.challenge).toMatch(/^Basic realm=/);
    expect(outcome(check, from('10.0.0.1', basicHeader('right-password')))).toBe(true);
    await clock.advance(10_000); // the window starts at the first wrong credentials
    for (let i = 0; i < 3; i++)
      expect(outcome(check, from('10.0.0.1', basicHeader(`guess-${i}`)))).toBe(false);
    expect(limited).toEqual(['10.0.0.1']);
    // The right password no longer opens it from that address, and is not even compared; others are let in.
    compared.calls = 0;
    expect(outcome(check, from('10.0.0.1', basicHeader('right-password')))).toEqual({ retryAfterMs: 60_000 });
    expect(compared.calls).toBe(0);
    expect(outcome(check, from('10.0.0.2', basicHeader('right-password')))).toBe(true);
    await clock.advance(59_999);
    expect(outcome(check, from('10.0.0.1', basicHeader('right-password')))).toEqual({ retryAfterMs: 1 });
    await clock.advance(1);
    expect(outcome(check, from('10.0.0.1', basicHeader('right-password')))).toBe(true);
    expect(limited).toEqual(['10.0.0.1']);
  });

  it('does not count requests without credentials (a browser asks for them after the first 401)', () => {
    const check = bearerToken('tok', { limit: { maxFailures: 2, clock: new FakeClock(0) } });
    for (let i = 0; i < 10; i++) expect(outcome(check, from('10.0.0.1'))).toBe(false);
    expect(outcome(check, from('10.0.0.1', 'Bearer tok'))).toBe(true);
  });

  it('is on by default: 20 wrong credentials a minute per client address; limit: false turns it off', async () => {
    const clock = new FakeClock(0);
    const helpers = [
      [basicAuth({ username: 'ops', password: 'right-password', limit: { clock } }), basicHeader('wrong')],
      [bearerToken('tok', { limit: { clock } }), 'Bearer wrong'],
    ] as const;
    for (const [check, wrong] of helpers) {
      for (let i = 0; i < 20; i++) expect(outcome(check, from('10.0.0.9', wrong))).toBe(false);
      expect(outcome(check, from('10.0.0.9', wrong))).toEqual({ retryAfterMs: 60_000 });
    }
    const unlimited = [
      basicAuth({ username: 'ops', password: 'right-password', limit: false }),
      bearerToken('tok', { limit: false }),
    ];
    for (const check of unlimited) {
      for (let i = 0; i < 100; i++) expect(outcome(check, from('10.0.0.9', 'Bearer wrong'))).toBe(false);
    }
  });

  it('counts per clientKey when given (a reverse proxy that names the client)', () => {
    const check = limitSignIns(bearerToken('tok', { limit: false }), {
      maxFailures: 1,
      clock: new FakeClock(0),
      clientKey: (request) => request.headers.get('x-real-ip') ?? 'unknown',
    });
    const via = (ip: string, token: string) => ({
      ...from('10.0.0.1'),
      headers: new Headers({ authorization: `Bearer ${token}`, 'x-real-ip': ip }),
    });
    expect(outcome(check, via('203.0.113.5', 'wrong'))).toBe(false);
    expect(outcome(check, via('203.0.113.5', 'tok'))).toEqual({ retryAfterMs: 60_000 });
    expect(outcome(check, via('198.51.100.7', 'tok'))).toBe(true);
  });

  it('refuses limit options that are not whole numbers of at least 1, naming the field', () => {
    for (const [limit, field] of [
      [{ maxFailures: 0 }, 'limit.maxFailures'],
      [{ windowMs: 1.5 }, 'limit.windowMs'],
      ['20', 'limit'],
    ] as const) {
      expect(() => bearerToken('tok', { limit: limit as never })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', field }),
      );
    }
  });
});
