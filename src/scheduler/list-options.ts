import { CronhookError, describeValue } from '../errors.js';
import { RUN_STATUSES, type RunStatus } from './types.js';

function invalid(method: string, field: string, value: unknown, allowed: string): CronhookError {
  return new CronhookError(
    'ERR_INVALID_OPTION',
    `${method}: ${field} is ${describeValue(value)}; expected ${allowed}`,
    { field },
  );
}

/**
 * Checks the options of `listJobs` / `listRuns` before they reach storage, where a wrong type would surface
 * as a TypeError or a driver error (found by fuzzing).
 */
export function checkListOptions(
  method: 'listJobs' | 'listRuns',
  options: unknown,
): { limit?: number; after?: string; before?: string; enabled?: boolean; status?: RunStatus } {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(method, 'options', options, 'an object');
  }
  const o = options as Record<string, unknown>;
  if (
    o.limit !== undefined &&
    (typeof o.limit !== 'number' || !Number.isSafeInteger(o.limit) || o.limit < 1)
  ) {
    throw invalid(method, 'limit', o.limit, 'a positive integer');
  }
  for (const key of ['after', 'before'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string')
      throw invalid(method, key, o[key], 'an id (string)');
  }
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') {
    throw invalid(method, 'enabled', o.enabled, 'true or false');
  }
  if (o.status !== undefined && !RUN_STATUSES.includes(o.status as RunStatus)) {
    throw invalid(method, 'status', o.status, `one of ${RUN_STATUSES.join(', ')}`);
  }
  return o as ReturnType<typeof checkListOptions>;
}

/** Checks `nextRuns`' count: bounded, since a count of Infinity would fill memory with dates. */
export function checkNextRunsCount(count: unknown): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 1000) {
    throw invalid('nextRuns', 'count', count, 'an integer from 0 to 1000');
  }
  return count;
}
