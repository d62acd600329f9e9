import { randomBytes } from 'node:crypto';

/**
 * A unique id with a readable prefix (`msg_`, `ep_`, `dlv_`, `att_`): 128 random bits in base64url, which
 * fits header values and URLs unescaped.
 */
export function newId(prefix: 'msg' | 'ep' | 'dlv' | 'att'): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
