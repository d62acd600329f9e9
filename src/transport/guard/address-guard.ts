import { CronhookError, describeValue } from '../../errors.js';
import type { AddressPolicy } from '../types.js';
import {
  cidr,
  formatIp,
  type IpBytes,
  type IpNetwork,
  inNetwork,
  lastIPv4,
  normalizeHost,
  parseCidr,
  parseIp,
} from './ip-address.js';

/** Why an address is not a public unicast one. */
export type AddressRange =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'broadcast'
  | 'unique-local'
  | 'metadata'
  | 'documentation'
  | 'reserved';

/** The result of {@link classifyAddress} for a non-public address. */
export interface AddressClass {
  range: AddressRange;
  /** The IPv4 address found inside an IPv6 one (mapped, compatible, NAT64, 6to4, Teredo), if any. */
  embeddedIPv4?: string;
}

// Order matters: the first match names the range, so specific entries come before the blocks holding them.
const IPV4_RANGES: ReadonlyArray<readonly [IpNetwork, AddressRange]> = [
  [cidr('169.254.169.254/32'), 'metadata'], // AWS, GCP, Azure, OpenStack, ...
  [cidr('100.100.100.200/32'), 'metadata'], // Alibaba Cloud
  [cidr('168.63.129.16/32'), 'metadata'], // Azure wire server (a public address only VMs reach)
  [cidr('0.0.0.0/8'), 'unspecified'], // "this network": 0.0.0.0 reaches the local host on Linux
  [cidr('10.0.0.0/8'), 'private'],
  [cidr('100.64.0.0/10'), 'cgnat'],
  [cidr('127.0.0.0/8'), 'loopback'],
  [cidr('169.254.0.0/16'), 'link-local'],
  [cidr('172.16.0.0/12'), 'private'],
  [cidr('192.0.0.0/24'), 'reserved'], // IETF protocol assignments
  [cidr('192.0.2.0/24'), 'documentation'],
  [cidr('192.88.99.0/24'), 'reserved'], // 6to4 relay anycast
  [cidr('192.168.0.0/16'), 'private'],
  [cidr('198.18.0.0/15'), 'reserved'], // benchmarking
  [cidr('198.51.100.0/24'), 'documentation'],
  [cidr('203.0.113.0/24'), 'documentation'],
  [cidr('224.0.0.0/4'), 'multicast'],
  [cidr('255.255.255.255/32'), 'broadcast'],
  [cidr('240.0.0.0/4'), 'reserved'],
];

const IPV6_RANGES: ReadonlyArray<readonly [IpNetwork, AddressRange]> = [
  [cidr('::/128'), 'unspecified'],
  [cidr('::1/128'), 'loopback'],
  [cidr('fd00:ec2::254/128'), 'metadata'], // AWS IMDS over IPv6
  [cidr('64:ff9b:1::/48'), 'private'], // local-use NAT64
  [cidr('100::/64'), 'reserved'], // discard-only
  [cidr('2001:2::/48'), 'reserved'], // benchmarking
  [cidr('2001:db8::/32'), 'documentation'],
  [cidr('3fff::/20'), 'documentation'],
  [cidr('fc00::/7'), 'unique-local'],
  [cidr('fe80::/10'), 'link-local'],
  [cidr('fec0::/10'), 'private'], // deprecated site-local
  [cidr('ff00::/8'), 'multicast'],
];

/** IPv6 blocks that carry an IPv4 address a packet can end up at; that address decides. */
const EMBEDDING: ReadonlyArray<readonly [IpNetwork, (ip: IpBytes) => IpBytes]> = [
  [cidr('::ffff:0:0/96'), lastIPv4], // IPv4-mapped
  [cidr('::/96'), lastIPv4], // IPv4-compatible (deprecated)
  [cidr('::ffff:0:0:0/96'), lastIPv4], // IPv4-translated
  [cidr('64:ff9b::/96'), lastIPv4], // NAT64 well-known prefix
  [cidr('2002::/16'), (ip) => ({ family: 4, bytes: ip.bytes.slice(2, 6) })], // 6to4
  [cidr('2001::/32'), (ip) => ({ family: 4, bytes: ip.bytes.slice(12, 16).map((b) => b ^ 0xff) })], // Teredo
];

/**
 * Classifies an IP address: the special range it belongs to, or `null` for a public unicast address.
 * IPv6 forms that carry an IPv4 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`, `::127.0.0.1`,
 * `64:ff9b::7f00:1`, 6to4, Teredo) are classified by that IPv4 address. Numeric IPv4 spellings
 * (`2130706433`, `0177.0.0.1`, `0x7f.1`) are read as the URL parser reads them.
 *
 * @throws CronhookError `ERR_INVALID_OPTION` when `address` is not an IP address.
 * @example
 * classifyAddress('::ffff:7f00:1') // { range: 'loopback', embeddedIPv4: '127.0.0.1' }
 * classifyAddress('93.184.215.14') // null
 */
export function classifyAddress(address: string): AddressClass | null {
  return classifyBytes(toIp(address));
}

/**
 * True when `policy` refuses a connection to `address`. Without a policy (or with
 * `allowPrivateNetworks: true`) nothing is refused. `hostname` is the name the address was resolved
 * from, matched against host entries of `policy.allow`.
 *
 * @throws CronhookError `ERR_INVALID_OPTION` for an address that is not an IP or an invalid policy.
 * @example
 * isBlockedAddress('10.0.0.5', { allowPrivateNetworks: false }) // true
 * isBlockedAddress('10.0.0.5', { allow: ['10.0.0.0/8'] }) // false
 */
export function isBlockedAddress(address: string, policy?: AddressPolicy, hostname?: string): boolean {
  return compileAddressPolicy(policy).blocked(address, hostname) !== undefined;
}

/** A policy parsed once: checks addresses fast and says why one is refused. */
export interface CompiledAddressPolicy {
  /** A stable key: equal policies share one key (and one connection pool). */
  readonly key: string;
  /** True when nothing is ever refused. */
  readonly open: boolean;
  /** The refusal for `address` (resolved from `hostname`), or undefined when it may be reached. */
  blocked(address: string, hostname?: string): CronhookError | undefined;
}

const OPEN: CompiledAddressPolicy = { key: 'open', open: true, blocked: () => undefined };

/**
 * Validates and compiles a policy. `field` names it in error messages (e.g. `addressPolicy`); `''` names
 * the policy's fields alone (`allow[1]`), for options that take them directly, as `WebhookNotifier` does.
 *
 * @example
 * const policy = compileAddressPolicy({ allow: ['10.1.0.0/16'] }, 'options.addressPolicy');
 * policy.blocked('10.2.0.1', 'db.internal')?.message // says what was refused and how to allow it
 *
 * @throws CronhookError `ERR_INVALID_OPTION` naming the bad field, e.g. `addressPolicy.allow[1]`.
 */
export function compileAddressPolicy(
  policy: AddressPolicy | undefined,
  field = 'addressPolicy',
): CompiledAddressPolicy {
  if (policy === undefined) return OPEN;
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy))
    throw invalid(field, policy, 'an object like { allowPrivateNetworks, allow }');
  const { allowPrivateNetworks, allow } = policy as { allowPrivateNetworks: unknown; allow: unknown };
  const known = compiled.get(policy);
  if (known !== undefined && unchanged(known, allowPrivateNetworks, allow)) return known.result;
  // What is compiled is a copy of the list, the same copy later requests are compared with.
  const entries = Array.isArray(allow) ? allow.slice() : undefined;
  const result = compile(allowPrivateNetworks, entries ?? allow, field);
  compiled.set(policy, { allowPrivateNetworks, allow, entries, result });
  return result;
}

/** A compiled policy and what its source object held when it was compiled. */
interface CompiledEntry {
  allowPrivateNetworks: unknown;
  allow: unknown;
  entries: unknown[] | undefined;
  result: CompiledAddressPolicy;
}

// Callers pass the same policy object with every request (one per notifier, one per scheduler): compiling it
// once per object makes the check free. The object is compared with what was compiled, so a policy changed
// in place is compiled again rather than answered from the cache.
const compiled = new WeakMap<object, CompiledEntry>();

function unchanged(entry: CompiledEntry, allowPrivateNetworks: unknown, allow: unknown): boolean {
  if (entry.allowPrivateNetworks !== allowPrivateNetworks || entry.allow !== allow) return false;
  const entries = entry.entries;
  if (entries === undefined) return true;
  const current = allow as unknown[];
  if (current.length !== entries.length) return false;
  for (let i = 0; i < entries.length; i++) if (current[i] !== entries[i]) return false;
  return true;
}

function compile(allowPrivateNetworks: unknown, allow: unknown = [], field: string): CompiledAddressPolicy {
  const of = (name: string) => (field === '' ? name : `${field}.${name}`);
  if (allowPrivateNetworks !== undefined && typeof allowPrivateNetworks !== 'boolean')
    throw invalid(of('allowPrivateNetworks'), allowPrivateNetworks, 'true or false');
  if (!Array.isArray(allow)) throw invalid(of('allow'), allow, 'an array of hosts, IPs or CIDR ranges');
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  const networks: IpNetwork[] = [];
  allow.forEach((entry, i) => {
    const parsed = parseAllowEntry(entry);
    if (parsed === undefined)
      throw invalid(
        of(`allow[${i}]`),
        entry,
        "a hostname ('billing.internal'), a wildcard ('*.internal'), an IP ('10.0.0.7', '::1') or a CIDR range ('10.0.0.0/8', 'fd00::/8')",
      );
    if ('network' in parsed) networks.push(parsed.network);
    else if (parsed.host.startsWith('*.')) suffixes.push(parsed.host.slice(1));
    else hosts.add(parsed.host);
  });
  if (allowPrivateNetworks === true) return OPEN;
  const key = JSON.stringify([
    [...hosts].sort(),
    suffixes.sort(),
    networks.map((n) => `${formatIp(n)}/${n.prefix}`).sort(),
  ]);
  const hostAllowed = (hostname: string | undefined): boolean => {
    const name = hostname === undefined ? undefined : normalizeHost(hostname);
    return name !== undefined && (hosts.has(name) || suffixes.some((s) => name.endsWith(s)));
  };
  return {
    key,
    open: false,
    blocked(address, hostname) {
      const ip = toIp(address);
      const found = classifyBytes(ip);
      if (found === null || hostAllowed(hostname)) return undefined;
      const candidates = found.embeddedIPv4 === undefined ? [ip] : [ip, toIp(found.embeddedIPv4)];
      if (networks.some((n) => candidates.some((c) => inNetwork(c, n)))) return undefined;
      return blockedError(formatIp(ip), found, hostname);
    },
  };
}

function blockedError(address: string, found: AddressClass, hostname: string | undefined): CronhookError {
  const hint = 'To reach it, set allowPrivateNetworks: true, or add';
  if (hostname !== undefined && normalizeHost(hostname) !== address) {
    // A name: its owner (an endpoint's, say) reads attempt errors, and must not learn what it resolves to
    // inside this network. The operator can resolve it; the message says only that the address was refused.
    return new CronhookError(
      'ERR_DESTINATION_BLOCKED',
      `Destination blocked by the address guard: the address "${hostname}" resolved to was refused (not a ` +
        `public address). ${hint} the host "${hostname}" or a CIDR range holding its addresses to the allow ` +
        'list (addressPolicy.allow).',
      { field: 'addressPolicy' },
    );
  }
  // The URL named the address itself: saying what it is reveals nothing its author does not know.
  const what = found.embeddedIPv4 ? `${found.range} ${found.embeddedIPv4} inside ${address}` : found.range;
  return new CronhookError(
    'ERR_DESTINATION_BLOCKED',
    `Destination blocked by the address guard: ${address} (${what}). ${hint} "${address}" or a CIDR range ` +
      'holding it to the allow list (addressPolicy.allow).',
    { field: 'addressPolicy' },
  );
}

function classifyBytes(ip: IpBytes): AddressClass | null {
  if (ip.family === 4) {
    const range = IPV4_RANGES.find(([network]) => inNetwork(ip, network))?.[1];
    return range === undefined ? null : { range };
  }
  const range = IPV6_RANGES.find(([network]) => inNetwork(ip, network))?.[1];
  if (range !== undefined) return { range };
  const embedding = EMBEDDING.find(([network]) => inNetwork(ip, network));
  if (embedding === undefined) return null;
  const v4 = embedding[1](ip);
  const inner = classifyBytes(v4);
  return inner === null ? null : { range: inner.range, embeddedIPv4: formatIp(v4) };
}

function toIp(address: string): IpBytes {
  const canonical = typeof address === 'string' ? normalizeHost(address) : undefined;
  const ip = canonical === undefined ? undefined : parseIp(canonical);
  if (!ip) throw invalid('address', address, 'an IPv4 or IPv6 address');
  return ip;
}

function parseAllowEntry(entry: unknown): { network: IpNetwork } | { host: string } | undefined {
  if (typeof entry !== 'string' || entry.trim() === '') return undefined;
  const text = entry.trim().toLowerCase();
  if (text.includes('/')) {
    const slash = text.indexOf('/');
    const address = normalizeHost(text.slice(0, slash));
    const network = address === undefined ? undefined : parseCidr(`${address}${text.slice(slash)}`);
    return network && { network };
  }
  const wildcard = text.startsWith('*.');
  const host = normalizeHost(wildcard ? text.slice(2) : text);
  if (host === undefined || host.includes('*')) return undefined;
  const ip = parseIp(host);
  if (ip) return wildcard ? undefined : { network: { ...ip, prefix: ip.bytes.length * 8 } };
  return { host: wildcard ? `*.${host}` : host };
}

function invalid(field: string, value: unknown, allowed: string): CronhookError {
  return new CronhookError(
    'ERR_INVALID_OPTION',
    `Invalid ${field}: ${describeValue(value)}; expected ${allowed}.`,
    { field },
  );
}
