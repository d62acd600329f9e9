import { CronhookError, describeValue } from '../errors.js';
import type { DashboardRequest } from './http/types.js';

/** Every action the dashboard can take, each a POST that `permissions` allows or refuses. */
export const DASHBOARD_ACTIONS = [
  'runJob',
  'pauseJob',
  'resumeJob',
  'addEndpoint',
  'editEndpoint',
  'enableEndpoint',
  'disableEndpoint',
  'deleteEndpoint',
  'rotateSecret',
  'ping',
  'redeliver',
  'replay',
] as const;

/** One of {@link DASHBOARD_ACTIONS}. */
export type DashboardAction = (typeof DASHBOARD_ACTIONS)[number];

/**
 * Which actions are allowed: each listed action set to `true` is; every other one is refused (403) and its
 * button hidden.
 *
 * @example { runJob: true, redeliver: true, ping: true } // operators may test, but not change endpoints
 */
export type DashboardPermissions = Partial<Record<DashboardAction, boolean>>;

/** `permissions` as given: fixed, or decided per request (per user). */
export type PermissionsOption =
  | DashboardPermissions
  | ((request: DashboardRequest) => DashboardPermissions | Promise<DashboardPermissions>);

/** Checks a permissions object's keys and values (given, or returned by the function). */
export function checkPermissions(value: unknown, field = 'permissions'): DashboardPermissions {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      `createDashboard: ${field} is ${describeValue(value)}; expected an object such as { runJob: true }`,
      { field },
    );
  }
  for (const [key, allowed] of Object.entries(value)) {
    if (!(DASHBOARD_ACTIONS as readonly string[]).includes(key)) {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `createDashboard: ${field}.${key} is not an action; expected one of ${DASHBOARD_ACTIONS.join(', ')}`,
        { field: `${field}.${key}` },
      );
    }
    if (typeof allowed !== 'boolean') {
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `createDashboard: ${field}.${key} is ${describeValue(allowed)}; expected true or false`,
        { field: `${field}.${key}` },
      );
    }
  }
  return value as DashboardPermissions;
}

/** The set of actions allowed for one request, given what the dashboard can do at all. */
export async function allowedActions(
  option: PermissionsOption | 'all' | 'none',
  request: DashboardRequest,
  possible: ReadonlySet<DashboardAction>,
): Promise<Set<DashboardAction>> {
  if (option === 'none') return new Set();
  if (option === 'all') return new Set(possible);
  const granted = checkPermissions(typeof option === 'function' ? await option(request) : option);
  return new Set([...possible].filter((action) => granted[action] === true));
}
