import { CronhookError, describeValue } from '../../errors.js';
import { generateSecret, MAX_ACTIVE_SECRETS, validateSecret } from '../signing/signatures.js';
import type { EndpointRecord, EndpointSecret } from '../types.js';

const DAY = 86_400_000;

/** Options of `notifier.rotateSecret`. */
export interface RotateSecretOptions {
  /** How long the previous secrets keep signing alongside the new one. @default 86_400_000 (24 h) */
  graceMs?: number;
  /** The new secret (`whsec_…`). @default a generated one */
  secret?: string;
}

/** Checked options, with the new secret chosen. */
export interface Rotation {
  graceMs: number;
  secret: string;
}

/** Validates rotation options before anything is read or written. */
export function prepareRotation(options: RotateSecretOptions): Rotation {
  if (options === null || typeof options !== 'object') {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      `rotateSecret: options is ${describeValue(options)}; expected an object`,
      {
        field: 'options',
      },
    );
  }
  const graceMs = options.graceMs ?? DAY;
  if (typeof graceMs !== 'number' || !Number.isInteger(graceMs) || graceMs < 0 || graceMs > 30 * DAY) {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      `rotateSecret: graceMs is ${describeValue(graceMs)}; expected an integer from 0 to 30 days in ms`,
      { field: 'graceMs' },
    );
  }
  return {
    graceMs,
    secret: options.secret === undefined ? generateSecret() : validateSecret(options.secret),
  };
}

/**
 * The endpoint's secrets after a rotation: expired ones dropped, the others signing until the grace ends (a
 * shorter grace cuts older ones too, so `graceMs: 0` retires a leaked secret at once), the new one current.
 * Refuses to exceed {@link MAX_ACTIVE_SECRETS}.
 */
export function rotateSecrets(record: EndpointRecord, rotation: Rotation, now: Date): EndpointSecret[] {
  const until = new Date(now.getTime() + rotation.graceMs);
  const kept = record.secrets
    .filter((s) => s.expiresAt === null || s.expiresAt.getTime() > now.getTime())
    .map((s) => ({ ...s, expiresAt: s.expiresAt === null || s.expiresAt > until ? until : s.expiresAt }))
    .filter((s) => s.expiresAt.getTime() > now.getTime());
  if (kept.length + 1 > MAX_ACTIVE_SECRETS) {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      `rotateSecret: endpoint ${record.id} already has ${kept.length} secrets in their grace period; at most ` +
        `${MAX_ACTIVE_SECRETS} may sign at once. Wait for one to expire or rotate with a shorter graceMs`,
      { field: 'graceMs' },
    );
  }
  return [...kept, { secret: rotation.secret, createdAt: now, expiresAt: null }];
}
