import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { compileAddressPolicy } from '../../../src/transport/guard/address-guard.js';
import { guardedLookup } from '../../../src/transport/guard/guarded-connector.js';

/** A resolver answering from a table, as `dns.lookup` would with `all: true`. */
function tableLookup(answers: Record<string, string[]>): LookupFunction {
  return (hostname, _options, callback) => {
    const list = answers[hostname] ?? [];
    callback(
      null,
      list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
}

function resolve(lookup: LookupFunction, hostname: string, all: boolean) {
  return new Promise<{ error: NodeJS.ErrnoException | null; result: string | LookupAddress[] }>((done) => {
    lookup(hostname, { all }, (error, result) => done({ error, result }));
  });
}

describe('guardedLookup', () => {
  const base = tableLookup({
    'mixed.test': ['10.0.0.1', '127.0.0.1', '::1'],
    'private.test': ['10.0.0.1', 'fd00::1'],
    'rebind.test': ['::ffff:169.254.169.254'],
  });

  it('drops refused addresses and hands the socket only the allowed ones', async () => {
    const lookup = guardedLookup(base, compileAddressPolicy({ allow: ['127.0.0.1', '::1'] }));
    const all = await resolve(lookup, 'mixed.test', true);
    expect(all.error).toBeNull();
    expect(all.result).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    const one = await resolve(lookup, 'mixed.test', false);
    expect(one.result).toBe('127.0.0.1');
  });

  it('fails with ERR_DESTINATION_BLOCKED when every address is refused', async () => {
    const lookup = guardedLookup(base, compileAddressPolicy({ allowPrivateNetworks: false }));
    for (const host of ['private.test', 'rebind.test']) {
      const { error } = await resolve(lookup, host, true);
      expect(error).toMatchObject({ code: 'ERR_DESTINATION_BLOCKED' });
      // An endpoint owner reads attempt errors: they learn that the address was refused, not what it is.
      expect(error?.message).toContain(`the address "${host}" resolved to was refused`);
      expect(error?.message.replaceAll(host, '')).not.toMatch(/127\.0\.0\.1|::1|::ffff|loopback|private/);
    }
  });

  it('lets an allowed host name through whatever it resolves to', async () => {
    const lookup = guardedLookup(base, compileAddressPolicy({ allow: ['private.test'] }));
    expect((await resolve(lookup, 'private.test', true)).result).toHaveLength(2);
  });

  it('passes resolver errors through unchanged', async () => {
    const failing: LookupFunction = (hostname, _options, callback) => {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
    };
    const lookup = guardedLookup(failing, compileAddressPolicy({}));
    expect((await resolve(lookup, 'nowhere.test', true)).error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
