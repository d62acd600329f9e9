/** basicAuth and bearerToken: what they compare, and that the work does not tell which part was wrong. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DashboardRequest } from '../../src/dashboard/index.js';
import { basicAuth, bearerToken } from '../../src/dashboard/index.js';

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
