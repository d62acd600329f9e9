import { randomBytes } from 'node:crypto';

const ID_BYTES = 16;
/** Ids drawn per `randomBytes` call: one call costs about as much as fifteen base64 encodings. */
const POOL_IDS = 256;

let pool = Buffer.alloc(0);
let offset = 0;

/**
 * A unique id with a readable prefix (`msg_`, `ep_`, `dlv_`, `att_`): 128 random bits in base64url, which
 * fits header values and URLs unescaped. The bits come from the CSPRNG in blocks (as `randomUUID` does);
 * each id uses its own 16 bytes of a block once.
 */
export function newId(prefix: 'msg' | 'ep' | 'dlv' | 'att'): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * POOL_IDS);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `${prefix}_${id}`;
}
