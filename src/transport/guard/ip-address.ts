import { isIP } from 'node:net';

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpBytes {
  family: 4 | 6;
  bytes: Uint8Array;
}

/** A network: the first `prefix` bits of `bytes`. */
export interface IpNetwork extends IpBytes {
  prefix: number;
}

/**
 * Parses an address in canonical text form (what `net.isIP` accepts: dotted-quad IPv4, any IPv6 form
 * with an optional `%zone`). Returns undefined for anything else, hostnames included.
 */
export function parseIp(text: string): IpBytes | undefined {
  const family = isIP(text);
  if (family === 4) return { family: 4, bytes: parseIPv4(text) };
  if (family === 6) return { family: 6, bytes: parseIPv6(text) };
  return undefined;
}

/**
 * Turns a host as a URL would carry it into its canonical form: numeric IPv4 spellings (`2130706433`,
 * `0177.0.0.1`, `0x7f.1`, `127.1`) become dotted quads exactly as the WHATWG URL parser (and so undici)
 * reads them, IPv6 loses its brackets and is compressed, names are lower-cased without a trailing dot.
 * Returns undefined when the text is not a valid host.
 */
export function normalizeHost(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 6) return formatIp(parseIp(bare)!);
  let hostname: string;
  try {
    hostname = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname;
  } catch {
    return undefined;
  }
  if (hostname === '' || /[/?#@]/.test(bare)) return undefined;
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}

/** Canonical text of an address (dotted quad, or compressed lower-case IPv6 as `URL` prints it). */
export function formatIp(ip: IpBytes): string {
  if (ip.family === 4) return ip.bytes.join('.');
  return new URL(
    `http://[${groupsOf(ip.bytes)
      .map((g) => g.toString(16))
      .join(':')}]/`,
  ).hostname.slice(1, -1);
}

/** True when `ip` lies in `network` (same family, first `prefix` bits equal). */
export function inNetwork(ip: IpBytes, network: IpNetwork): boolean {
  if (ip.family !== network.family) return false;
  const full = Math.floor(network.prefix / 8);
  for (let i = 0; i < full; i++) if (ip.bytes[i] !== network.bytes[i]) return false;
  const rest = network.prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((ip.bytes[full] ?? 0) & mask) === ((network.bytes[full] ?? 0) & mask);
}

/** Parses `address/prefix`; the address must be canonical text. Undefined when invalid. */
export function parseCidr(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > ip.bytes.length * 8) return undefined;
  return { ...ip, prefix };
}

/** Shorthand for building the constant tables: throws on a typo. */
export function cidr(text: string): IpNetwork {
  const network = parseCidr(text);
  if (!network) throw new Error(`invalid CIDR constant ${text}`);
  return network;
}

/** The IPv4 address in the last 32 bits of an IPv6 address. */
export function lastIPv4(ip: IpBytes): IpBytes {
  return { family: 4, bytes: ip.bytes.slice(12, 16) };
}

function parseIPv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function parseIPv6(text: string): Uint8Array {
  let rest = text;
  const zone = rest.indexOf('%');
  if (zone >= 0) rest = rest.slice(0, zone);
  const bytes = new Uint8Array(16);
  // A trailing dotted quad fills the last 4 bytes; the rest is hex groups.
  let tailBytes: number[] = [];
  const lastColon = rest.lastIndexOf(':');
  if (rest.slice(lastColon + 1).includes('.')) {
    tailBytes = rest
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    rest = `${rest.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', tail] = rest.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  groups.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  if (tailBytes.length === 4) bytes.set(tailBytes, 12);
  return bytes;
}

function groupsOf(bytes: Uint8Array): number[] {
  const groups: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return groups;
}
