import { randomBytes } from 'node:crypto';
import { CronhookError } from '../errors.js';

/** The base64url characters in ASCII order, so that ids compare as the numbers they encode. */
const DIGITS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
/** 48 bits of milliseconds: until the year 10889. */
const TIME_DIGITS = 8;
/** 84 random bits: ids made in the same millisecond never meet in practice. */
const RANDOM_DIGITS = 14;

/** Ids drawn per `randomBytes` call: one call costs about as much as fifteen encodings. */
const TEXT_IDS = 256;
/** Random text: CSPRNG bytes as base64url, 6 random bits a character, taken from `offset` on (see newId). */
let randomText = '';
let offset = 0;
/** The time digits of the last `at`: ids made in one millisecond (a message's deliveries) share them. */
let lastAt = Number.NaN;
let lastHead = '';
/**
 * The leading random digits of the last id, as digit values: the next id of the same millisecond adds 1 to 64
 * to them (see {@link newId}). As many as a derived delivery id keeps of its message id.
 */
const RISING_DIGITS = 10;
const rising: number[] = new Array<number>(RISING_DIGITS).fill(0);
/** The random digits an id ends with, drawn afresh for every id. */
const TAIL_DIGITS = RANDOM_DIGITS - RISING_DIGITS;

/**
 * A unique id with a readable prefix (`msg_`, `ep_`, `dlv_`, `att_`) and 22 base64url characters, which fit
 * header values and URLs unescaped: the creation time `at` (epoch ms) in 8 characters, then 84 random bits
 * from the CSPRNG (drawn in blocks, as `randomUUID` does). Ids sort (byte order, as the SQL adapters'
 * indexes compare them) in creation order, so the indexes keyed by them grow at their end: a write touches
 * the last pages of the index instead of a random page each (fewer pages written per commit in SQLite,
 * fewer full-page images in Postgres' WAL after each checkpoint), as with UUIDv7. Ids made in the same
 * millisecond by one process rise too (as UUIDv7's "monotonic random"): the first is random, each next one
 * adds 1 to 64 (random) to the 10 leading random digits of the one before and draws the last 4 afresh. A
 * burst of messages is then stored, and later claimed, in one order: a claim's rows share a few table pages
 * instead of being scattered over every page the burst filled. The step lands in the digits a derived
 * delivery id keeps ({@link fanoutDeliveryId}), so messages of one millisecond keep distinct fan-out ids.
 * An id of the same millisecond takes 5 random characters (its step and its last 4), not 14: a busy
 * notifier makes an attempt id per delivery, most of them in the millisecond of the one before, and the
 * CSPRNG's bytes were a third of what an id cost.
 */
export function newId(prefix: 'msg' | 'ep' | 'dlv' | 'att', at: number): string {
  if (at !== lastAt || !rise(DIGIT_VALUES[randomText.charCodeAt(take(1))]! + 1)) {
    if (at !== lastAt) lastHead = timeDigits(at);
    lastAt = at;
    // A new millisecond: random digits, the first below 32, so that rising never runs out (2^59 to go).
    const from = take(RISING_DIGITS);
    for (let i = 0; i < RISING_DIGITS; i++)
      rising[i] = DIGIT_VALUES[randomText.charCodeAt(from + i)]! & (i === 0 ? 31 : 63);
  }
  return flatId(prefix, take(TAIL_DIGITS));
}

/** Where `n` unused random characters start in {@link randomText} (drawn anew when fewer are left). */
function take(n: number): number {
  if (offset + n > randomText.length) {
    // 3 bytes make 4 characters: a multiple of 3 bytes leaves no padding.
    randomText = randomBytes((RANDOM_DIGITS * TEXT_IDS * 3) / 4).toString('base64url');
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

/** Character codes of the id being built (the longest prefix, `_` and the 22 digits). */
const idCodes = new Array<number>(4 + TIME_DIGITS + RANDOM_DIGITS);

/**
 * The id as one flat string: a template literal would make a rope of four parts (V8 concatenates strings of
 * 13 characters and more by reference), which the delivery log keeps per attempt: twice the bytes and four
 * objects for garbage collection to copy and mark instead of one. `tail`: where its last random digits are in
 * {@link randomText}.
 */
function flatId(prefix: string, tail: number): string {
  // The usual ids (msg_, dlv_, att_: one or more per delivery) in one call with their 26 codes as arguments:
  // `apply` over the array spread it into arguments first, at about twice the cost of the whole id.
  if (prefix.length === 3) {
    const head = lastHead;
    const r = rising;
    const t = randomText;
    return String.fromCharCode(
      prefix.charCodeAt(0),
      prefix.charCodeAt(1),
      prefix.charCodeAt(2),
      95, // '_'
      head.charCodeAt(0),
      head.charCodeAt(1),
      head.charCodeAt(2),
      head.charCodeAt(3),
      head.charCodeAt(4),
      head.charCodeAt(5),
      head.charCodeAt(6),
      head.charCodeAt(7),
      DIGITS.charCodeAt(r[0]!),
      DIGITS.charCodeAt(r[1]!),
      DIGITS.charCodeAt(r[2]!),
      DIGITS.charCodeAt(r[3]!),
      DIGITS.charCodeAt(r[4]!),
      DIGITS.charCodeAt(r[5]!),
      DIGITS.charCodeAt(r[6]!),
      DIGITS.charCodeAt(r[7]!),
      DIGITS.charCodeAt(r[8]!),
      DIGITS.charCodeAt(r[9]!),
      t.charCodeAt(tail),
      t.charCodeAt(tail + 1),
      t.charCodeAt(tail + 2),
      t.charCodeAt(tail + 3),
    );
  }
  let n = 0;
  for (let i = 0; i < prefix.length; i++) idCodes[n++] = prefix.charCodeAt(i);
  idCodes[n++] = 95; // '_'
  for (let i = 0; i < TIME_DIGITS; i++) idCodes[n++] = lastHead.charCodeAt(i);
  for (let i = 0; i < RISING_DIGITS; i++) idCodes[n++] = DIGITS.charCodeAt(rising[i]!);
  for (let i = 0; i < TAIL_DIGITS; i++) idCodes[n++] = randomText.charCodeAt(tail + i);
  idCodes.length = n;
  return String.fromCharCode.apply(null, idCodes);
}

/** Adds `step` to the rising digits, with carry; false when they overflow (the caller draws them afresh). */
function rise(step: number): boolean {
  let i = RISING_DIGITS - 1;
  let carry = step;
  while (carry > 0 && i >= 0) {
    const value = rising[i]! + carry;
    carry = value >> 6;
    rising[i] = value & 63;
    i--;
  }
  return carry === 0;
}

function timeDigits(at: number): string {
  let time = Math.max(0, Math.floor(at));
  let head = '';
  for (let i = 0; i < TIME_DIGITS; i++) {
    head = DIGITS[time % 64]! + head;
    time = Math.floor(time / 64);
  }
  return head;
}

/** Endpoints one message can be fanned out to with {@link fanoutDeliveryId}: 4 base64url digits of index. */
export const MAX_FANOUT = 64 ** 4;

/**
 * The id of a message's `index`-th delivery when its deliveries are derived from it (storage's
 * `insertFanout`): `dlv_`, the message id's time and first 10 random characters (60 bits), then `index` in 4
 * digits. The same shape as {@link newId}'s ids, so the deliveries of one message sort together in endpoint
 * order after the deliveries of older messages; any process derives the same ids without storing them first.
 */
export function fanoutDeliveryId(messageId: string, index: number): string {
  if (!messageId.startsWith('msg_') || messageId.length !== 4 + TIME_DIGITS + RANDOM_DIGITS)
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      `fanoutDeliveryId: ${JSON.stringify(messageId)} is not a generated message id (msg_ and 22 characters)`,
      { field: 'messageId' },
    );
  if (!Number.isInteger(index) || index < 0 || index >= MAX_FANOUT)
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      `fanoutDeliveryId: index must be an integer from 0 to ${MAX_FANOUT - 1}`,
      { field: 'index' },
    );
  // One flat string, as flatId makes: a template literal made a rope of a slice and two more parts (4 objects,
  // ~80 bytes more than the flat id), which in-process storage kept with every delivery record (a publish to one
  // endpoint stores its delivery under this id too) and claims of a fan-out's deliveries hash and slice
  // (fanoutKey) while delivering.
  // Its 26 codes as arguments, as flatId passes them (an array through `apply` cost twice as much).
  const m = messageId;
  return String.fromCharCode(
    100, // 'd'
    108, // 'l'
    118, // 'v'
    95, // '_'
    m.charCodeAt(4),
    m.charCodeAt(5),
    m.charCodeAt(6),
    m.charCodeAt(7),
    m.charCodeAt(8),
    m.charCodeAt(9),
    m.charCodeAt(10),
    m.charCodeAt(11),
    m.charCodeAt(12),
    m.charCodeAt(13),
    m.charCodeAt(14),
    m.charCodeAt(15),
    m.charCodeAt(16),
    m.charCodeAt(17),
    m.charCodeAt(18),
    m.charCodeAt(19),
    m.charCodeAt(20),
    m.charCodeAt(21),
    DIGITS.charCodeAt((index >> 18) & 63),
    DIGITS.charCodeAt((index >> 12) & 63),
    DIGITS.charCodeAt((index >> 6) & 63),
    DIGITS.charCodeAt(index & 63),
  );
}

/** Each base64url character's digit value (ASCII code to value, -1 elsewhere), to read ids' digits back. */
const DIGIT_VALUES = Array.from({ length: 128 }, (_, code) => DIGITS.indexOf(String.fromCharCode(code)));

/** Characters of a derived delivery id that come from its message id (`dlv_` and the 4 index digits aside). */
const FANOUT_KEY_END = 4 + TIME_DIGITS + RANDOM_DIGITS - 4;

/**
 * The index a delivery id of {@link fanoutDeliveryId}'s shape encodes, or -1 when `id` has not that shape.
 * Ids made by `newId('dlv', …)` have it too: a caller checks that the delivery it finds has that id.
 */
export function fanoutIndex(id: string): number {
  if (id.length !== FANOUT_KEY_END + 4 || !id.startsWith('dlv_')) return -1;
  let index = 0;
  for (let i = FANOUT_KEY_END; i < id.length; i++) {
    const code = id.charCodeAt(i);
    const digit = code < 128 ? DIGIT_VALUES[code]! : -1;
    if (digit < 0) return -1;
    index = index * 64 + digit;
  }
  return index;
}

/**
 * What a {@link fanoutDeliveryId} keeps of its message id: the same for every delivery of one fan-out, so it
 * finds their group (call it only when {@link fanoutIndex} is not -1).
 */
export function fanoutKey(id: string): string {
  return id.slice(4, FANOUT_KEY_END);
}
