import { randomUUID } from 'node:crypto';
import { CronhookError, describeValue } from '../errors.js';
import { isValidTimezone } from '../schedule/schedule.js';
import type { SchedulerOptions } from './types.js';

function option(field: string, value: unknown, allowed: string): CronhookError {
  return new CronhookError(
    'ERR_INVALID_OPTION',
    `Scheduler option ${field} is ${describeValue(value)}; expected ${allowed}`,
    {
      field,
    },
  );
}

function integer(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw option(field, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

/** Validates scheduler options eagerly and fills in defaults. */
export function validateSchedulerOptions(options: SchedulerOptions) {
  if (options === null || typeof options !== 'object') throw option('options', options, 'an object');
  const timezone = options.timezone ?? 'UTC';
  if (typeof timezone !== 'string' || !isValidTimezone(timezone)) {
    throw option('timezone', timezone, "an IANA timezone such as 'UTC' or 'Europe/Berlin'");
  }
  const instanceId = options.instanceId ?? `inst_${randomUUID()}`;
  if (typeof instanceId !== 'string' || instanceId.length === 0 || instanceId.length > 200) {
    throw option('instanceId', instanceId, 'a non-empty string of at most 200 characters');
  }
  if (options.unref !== undefined && typeof options.unref !== 'boolean')
    throw option('unref', options.unref, 'a boolean');
  return {
    timezone,
    instanceId,
    concurrency: integer('concurrency', options.concurrency, 10, 1, 10_000),
    leaseMs: integer('leaseMs', options.leaseMs, 30_000, 1000, 86_400_000),
    pollIntervalMs: integer('pollIntervalMs', options.pollIntervalMs, 1000, 10, 3_600_000),
    runRetention: integer('runRetention', options.runRetention, 100, 0, 1_000_000),
    maxMissedEvents: integer('maxMissedEvents', options.maxMissedEvents, 100, 0, 100_000),
    unref: options.unref ?? false,
    logger: options.logger,
    addressPolicy: options.addressPolicy,
  };
}
