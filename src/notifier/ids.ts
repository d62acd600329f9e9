import { randomBytes } from 'node:crypto';

/** The base64url characters in ASCII order, so that ids compare as the numbers they encode. */
const DIGITS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
/** 48 bits of milliseconds: until the year 10889. */
const TIME_DIGITS = 8;
/** 84 random bits: ids made in the same millisecond never meet in practice. */
const RANDOM_DIGITS = 14;
/** Ids drawn per `randomBytes` call: one call costs about as much as fifteen encodings. */
const POOL_IDS = 256;

let pool = Buffer.alloc(0);
let offset = 0;

/**
 * A unique id with a readable prefix (`msg_`, `ep_`, `dlv_`, `att_`) and 22 base64url characters, which fit
 * header values and URLs unescaped: the creation time `at` (epoch ms) in 8 characters, then 84 random bits
 * from the CSPRNG (drawn in blocks, as `randomUUID` does). Ids sort (byte order, as the SQL adapters'
 * indexes compare them) in creation order, so the indexes keyed by them grow at their end: a write touches
 * the last pages of the index instead of a random page each (fewer pages written per commit in SQLite,
 * fewer full-page images in Postgres' WAL after each checkpoint), as with UUIDv7.
 */
export function newId(prefix: 'msg' | 'ep' | 'dlv' | 'att', at: number): string {
  if (offset + RANDOM_DIGITS > pool.length) {
    pool = randomBytes(RANDOM_DIGITS * POOL_IDS);
    offset = 0;
  }
  let time = Math.max(0, Math.floor(at));
  let head = '';
  for (let i = 0; i < TIME_DIGITS; i++) {
    head = DIGITS[time % 64]! + head;
    time = Math.floor(time / 64);
  }
  let tail = '';
  for (let i = 0; i < RANDOM_DIGITS; i++) tail += DIGITS[pool[offset + i]! & 63];
  offset += RANDOM_DIGITS;
  return `${prefix}_${head}${tail}`;
}
