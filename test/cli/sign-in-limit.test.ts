/** The CLI dashboard's limit on wrong credentials per client address (on the fake clock). */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { limitSignIns } from '../../src/cli/sign-in-limit.js';
import { basicAuth, type DashboardRequest } from '../../src/dashboard/index.js';
import { FakeClock } from '../../src/testing/fake-clock.js';

const check = basicAuth({ username: 'ops', password: 'right-password' });
const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

function request(address: string, authorization?: string): DashboardRequest {
  return {
    method: 'GET',
    url: new URL('http://127.0.0.1/'),
    headers: new Headers(authorization === undefined ? {} : { authorization }),
    node: { socket: { remoteAddress: address } } as unknown as IncomingMessage,
  };
}

describe('limitSignIns', () => {
  it('refuses an address unchecked after maxFailures wrong credentials, until the window ends', async () => {
    const clock = new FakeClock(0);
    const limited: string[] = [];
    const authorize = limitSignIns(check, {
      maxFailures: 3,
      windowMs: 60_000,
      clock,
      onLimited: (address) => limited.push(address),
    });
    expect(authorize.challenge).toBe(check.challenge);
    expect(authorize(request('10.0.0.1', basic('right-password')))).toBe(true);
    for (let i = 0; i < 3; i++) expect(authorize(request('10.0.0.1', basic(`guess-${i}`)))).toBe(false);
    expect(limited).toEqual(['10.0.0.1']);
    // The right password no longer opens it from that address; another address is not affected.
    expect(authorize(request('10.0.0.1', basic('right-password')))).toBe(false);
    expect(authorize(request('10.0.0.2', basic('right-password')))).toBe(true);
    await clock.advance(59_999);
    expect(authorize(request('10.0.0.1', basic('right-password')))).toBe(false);
    await clock.advance(1);
    expect(authorize(request('10.0.0.1', basic('right-password')))).toBe(true);
    expect(limited).toEqual(['10.0.0.1']);
  });

  it('does not count requests without credentials (a browser asks for them after the first 401)', () => {
    const authorize = limitSignIns(check, { maxFailures: 2, clock: new FakeClock(0) });
    for (let i = 0; i < 10; i++) expect(authorize(request('10.0.0.1'))).toBe(false);
    expect(authorize(request('10.0.0.1', basic('right-password')))).toBe(true);
  });
});
