import { describe, expect, it } from 'vitest';
import { isCronhookError } from '../../../src/errors.js';
import {
  type AddressRange,
  classifyAddress,
  compileAddressPolicy,
  isBlockedAddress,
} from '../../../src/transport/guard/address-guard.js';
import type { AddressPolicy } from '../../../src/transport/types.js';

const STRICT: AddressPolicy = { allowPrivateNetworks: false };

describe('classifyAddress', () => {
  const table: Array<[address: string, range: AddressRange | null, embedded?: string]> = [
    // IPv4
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', null],
    ['192.168.1.1', 'private'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', null],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['8.8.8.8', null],
    ['1.1.1.1', null],
    ['93.184.215.14', null],
    // IPv6
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'private'],
    ['2001:db8::1', 'documentation'],
    ['2606:4700:4700::1111', null],
    ['2a00:1450:4001::200e', null],
    // IPv4 inside IPv6: the IPv4 address decides
    ['::ffff:127.0.0.1', 'loopback', '127.0.0.1'],
    ['::ffff:7f00:1', 'loopback', '127.0.0.1'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback', '127.0.0.1'],
    ['::ffff:10.1.2.3', 'private', '10.1.2.3'],
    ['::ffff:169.254.169.254', 'metadata', '169.254.169.254'],
    ['::ffff:8.8.8.8', null],
    ['::127.0.0.1', 'loopback', '127.0.0.1'],
    ['::ffff:0:127.0.0.1', 'loopback', '127.0.0.1'],
    ['64:ff9b::7f00:1', 'loopback', '127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', 'metadata', '169.254.169.254'],
    ['64:ff9b::808:808', null],
    ['64:ff9b:1::1', 'private'],
    ['2002:c0a8:0101::1', 'private', '192.168.1.1'],
    ['2002:0808:0808::1', null],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback', '127.0.0.1'],
  ];

  it.each(table)('%s is %s', (address, range, embedded) => {
    const found = classifyAddress(address);
    if (range === null) expect(found).toBeNull();
    else expect(found).toEqual(embedded === undefined ? { range } : { range, embeddedIPv4: embedded });
  });

  // The host undici connects to is what the WHATWG URL parser makes of the URL; these spellings all
  // end up as loopback or metadata addresses and must be classified the same way.
  const urlForms: Array<[host: string, canonical: string, range: AddressRange]> = [
    ['2130706433', '127.0.0.1', 'loopback'],
    ['0177.0.0.1', '127.0.0.1', 'loopback'],
    ['0x7f.0.0.1', '127.0.0.1', 'loopback'],
    ['0x7f000001', '127.0.0.1', 'loopback'],
    ['127.1', '127.0.0.1', 'loopback'],
    ['0177.1', '127.0.0.1', 'loopback'],
    ['0', '0.0.0.0', 'unspecified'],
    ['2852039166', '169.254.169.254', 'metadata'],
    ['0xa9fea9fe', '169.254.169.254', 'metadata'],
    ['0251.0376.0251.0376', '169.254.169.254', 'metadata'],
    ['10.1', '10.0.0.1', 'private'],
    ['[::1]', '[::1]', 'loopback'],
    ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', 'loopback'],
    ['[0:0:0:0:0:ffff:7f00:1]', '[::ffff:7f00:1]', 'loopback'],
  ];

  it.each(urlForms)('URL host %s parses as %s and is %s', (host, canonical, range) => {
    const { hostname } = new URL(`http://${host}:8080/`);
    expect(hostname).toBe(canonical);
    expect(classifyAddress(hostname)?.range).toBe(range);
    // The raw spelling is read the same way, so callers need not normalize first.
    expect(classifyAddress(host)?.range).toBe(range);
  });

  it.each(['example.com', 'localhost', '', '1.2.3.4.5', '::g', '10.0.0.0/8'])(
    'rejects %j, which is not an IP address',
    (input) => {
      expect(() => classifyAddress(input)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    },
  );
});

describe('isBlockedAddress', () => {
  it('allows everything without a policy or with allowPrivateNetworks', () => {
    for (const address of ['127.0.0.1', '::1', '169.254.169.254', '10.0.0.1', '::ffff:7f00:1']) {
      expect(isBlockedAddress(address)).toBe(false);
      expect(isBlockedAddress(address, { allowPrivateNetworks: true })).toBe(false);
      expect(isBlockedAddress(address, { allowPrivateNetworks: true, allow: ['8.8.8.8'] })).toBe(false);
    }
  });

  it('blocks every non-public range under a strict policy, and only those', () => {
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', '100.64.0.1', 'fd00::1', '::ffff:192.168.0.1']) {
      expect(isBlockedAddress(address, STRICT)).toBe(true);
      expect(isBlockedAddress(address, {})).toBe(true);
    }
    for (const address of ['8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isBlockedAddress(address, STRICT)).toBe(false);
    }
  });

  const allowTable: Array<[allow: string, address: string, hostname: string | undefined, blocked: boolean]> =
    [
      ['127.0.0.1', '127.0.0.1', undefined, false],
      ['127.0.0.1', '127.0.0.2', undefined, true],
      ['127.0.0.1', '::ffff:127.0.0.1', undefined, false],
      ['127.0.0.1', '::1', undefined, true],
      ['0177.0.0.1', '127.0.0.1', undefined, false],
      ['127.0.0.0/8', '127.9.9.9', undefined, false],
      ['10.1.2.0/24', '10.1.2.200', undefined, false],
      ['10.1.2.0/24', '10.1.3.1', undefined, true],
      ['10.1.2.7/24', '10.1.2.1', undefined, false],
      ['172.16.0.0/12', '172.20.1.1', undefined, false],
      ['::1', '::1', undefined, false],
      ['[::1]', '::1', undefined, false],
      ['fd00::/8', 'fd12::1', undefined, false],
      ['fd00::/8', 'fc00::1', undefined, true],
      ['fe80::/10', 'fe80::1%eth0', undefined, false],
      ['billing.internal', '10.0.0.5', 'billing.internal', false],
      ['Billing.Internal.', '10.0.0.5', 'billing.internal', false],
      ['billing.internal', '10.0.0.5', 'other.internal', true],
      ['billing.internal', '10.0.0.5', undefined, true],
      ['*.internal', '10.0.0.5', 'a.b.internal', false],
      ['*.internal', '10.0.0.5', 'internal', true],
      ['localhost', '127.0.0.1', 'localhost', false],
    ];

  it.each(allowTable)('allow [%j]: %s (host %s) blocked=%s', (entry, address, hostname, blocked) => {
    expect(isBlockedAddress(address, { allow: [entry] }, hostname)).toBe(blocked);
  });

  it('says which address was refused, why, and how to allow it, when the URL named the address itself', () => {
    const refused = compileAddressPolicy(STRICT).blocked('::ffff:7f00:1', '::ffff:7f00:1');
    expect(refused?.code).toBe('ERR_DESTINATION_BLOCKED');
    expect(refused?.message).toContain('::ffff:7f00:1 (loopback 127.0.0.1 inside ::ffff:7f00:1)');
    expect(refused?.message).toContain('allowPrivateNetworks: true');
    expect(refused?.message).toContain('allow');
    expect(compileAddressPolicy(STRICT).blocked('93.184.215.14', 'example.com')).toBeUndefined();
  });

  it('never says what a name resolved to: attempt errors reach endpoint owners, who must not learn internal DNS', () => {
    const refused = compileAddressPolicy(STRICT).blocked('::ffff:7f00:1', 'rebind.example');
    expect(refused?.code).toBe('ERR_DESTINATION_BLOCKED');
    expect(refused?.message).toBe(
      'Destination blocked by the address guard: the address "rebind.example" resolved to was refused (not a ' +
        'public address). To reach it, set allowPrivateNetworks: true, or add the host "rebind.example" or a ' +
        'CIDR range holding its addresses to the allow list (addressPolicy.allow).',
    );
  });

  const invalidPolicies: Array<[policy: unknown, field: string]> = [
    ['strict', 'addressPolicy'],
    [{ allowPrivateNetworks: 'yes' }, 'addressPolicy.allowPrivateNetworks'],
    [{ allow: '10.0.0.0/8' }, 'addressPolicy.allow'],
    [{ allow: ['10.0.0.0/8', '10.0.0.0/33'] }, 'addressPolicy.allow[1]'],
    [{ allow: ['::1/129'] }, 'addressPolicy.allow[0]'],
    [{ allow: ['not a host'] }, 'addressPolicy.allow[0]'],
    [{ allow: [''] }, 'addressPolicy.allow[0]'],
    [{ allow: [42] }, 'addressPolicy.allow[0]'],
    [{ allow: ['*.10.0.0.1'] }, 'addressPolicy.allow[0]'],
    [{ allow: ['host/x'] }, 'addressPolicy.allow[0]'],
  ];

  it.each(invalidPolicies)('rejects policy %j naming %s', (policy, field) => {
    try {
      compileAddressPolicy(policy as AddressPolicy);
      expect.unreachable('the policy should be rejected');
    } catch (error) {
      expect(isCronhookError(error, 'ERR_INVALID_OPTION')).toBe(true);
      expect((error as { field?: string }).field).toBe(field);
      expect((error as Error).message).toContain(field);
    }
  });

  it('checks a policy object again on each call, so a change in place is honoured or rejected', () => {
    const policy: AddressPolicy = { allowPrivateNetworks: false, allow: ['10.0.0.0/8'] };
    expect(compileAddressPolicy(policy).blocked('10.1.2.3')).toBeUndefined();
    policy.allow?.splice(0, 1, '192.168.0.0/16');
    expect(compileAddressPolicy(policy).blocked('10.1.2.3')?.code).toBe('ERR_DESTINATION_BLOCKED');
    expect(compileAddressPolicy(policy).blocked('192.168.1.1')).toBeUndefined();
    policy.allow?.push('10.0.0.0/99');
    expect(() => compileAddressPolicy(policy, 'request.addressPolicy')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'request.addressPolicy.allow[1]' }),
    );
    policy.allow = ['10.0.0.0/8'];
    (policy as { allowPrivateNetworks: unknown }).allowPrivateNetworks = 'yes';
    expect(() => compileAddressPolicy(policy)).toThrow(
      expect.objectContaining({ field: 'addressPolicy.allowPrivateNetworks' }),
    );
    policy.allowPrivateNetworks = true;
    expect(compileAddressPolicy(policy).open).toBe(true);
  });

  it('gives equal policies one key and different ones different keys', () => {
    const key = (policy: AddressPolicy) => compileAddressPolicy(policy).key;
    expect(key({ allow: ['b.internal', '10.0.0.0/8'] })).toBe(key({ allow: ['10.0.0.0/8', 'B.internal'] }));
    expect(key({ allow: ['10.0.0.0/8'] })).not.toBe(key({ allow: ['10.0.0.0/16'] }));
    expect(key({ allow: [] })).not.toBe(key({ allowPrivateNetworks: true }));
  });
});
