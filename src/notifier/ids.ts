import { randomBytes } from 'node:crypto';

/** The base64url characters in ASCII order, so that ids compare as the numbers they encode. */
const DIGITS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
/** 48 bits of milliseconds: until the year 10889. */
const TIME_DIGITS = 8;
/** 84 random bits: ids made in the same millisecond never meet in practice. */
const RANDOM_DIGITS = 14;

/** Ids drawn per `randomBytes` call: one call costs about as much as fifteen encodings. */
const TEXT_IDS = 256;
/** Random text: CSPRNG bytes as base64url, 6 random bits a character; each id takes RANDOM_DIGITS of it. */
let randomText = '';
let offset = 0;
/** The time digits of the last `at`: ids made in one millisecond (a message's deliveries) share them. */
let lastAt = Number.NaN;
let lastHead = '';

/**
 * A unique id with a readable prefix (`msg_`, `ep_`, `dlv_`, `att_`) and 22 base64url characters, which fit
 * header values and URLs unescaped: the creation time `at` (epoch ms) in 8 characters, then 84 random bits
 * from the CSPRNG (drawn in blocks, as `randomUUID` does). Ids sort (byte order, as the SQL adapters'
 * indexes compare them) in creation order, so the indexes keyed by them grow at their end: a write touches
 * the last pages of the index instead of a random page each (fewer pages written per commit in SQLite,
 * fewer full-page images in Postgres' WAL after each checkpoint), as with UUIDv7.
 */
export function newId(prefix: 'msg' | 'ep' | 'dlv' | 'att', at: number): string {
  if (offset + RANDOM_DIGITS > randomText.length) {
    // 3 bytes make 4 characters: a multiple of 3 bytes leaves no padding.
    randomText = randomBytes((RANDOM_DIGITS * TEXT_IDS * 3) / 4).toString('base64url');
    offset = 0;
  }
  if (at !== lastAt) {
    let time = Math.max(0, Math.floor(at));
    let head = '';
    for (let i = 0; i < TIME_DIGITS; i++) {
      head = DIGITS[time % 64]! + head;
      time = Math.floor(time / 64);
    }
    lastAt = at;
    lastHead = head;
  }
  const tail = randomText.slice(offset, offset + RANDOM_DIGITS);
  offset += RANDOM_DIGITS;
  return `${prefix}_${lastHead}${tail}`;
}
