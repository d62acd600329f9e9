import { CronhookError, describeValue } from '../errors.js';
import type { Clock, Logger, Scheduler, Storage, WebhookNotifier } from '../index.js';
import type { DashboardRequest } from './http/types.js';
import { checkPermissions, type PermissionsOption } from './permissions.js';

/** Options of {@link createDashboard}. Give any subset of `scheduler`, `notifier` and `storage`. */
export interface DashboardOptions {
  /** Shows jobs and runs, and allows run now, pause and resume. */
  scheduler?: Scheduler;
  /** Shows endpoints and deliveries, and allows their actions. */
  notifier?: WebhookNotifier;
  /**
   * Storage to read. Alone, it gives a read-only view of a database (every section, no action).
   * @default the scheduler's or the notifier's storage
   */
  storage?: Storage;
  /**
   * The path prefix the browser sees, e.g. `/admin/cron`. Requests may arrive with it (plain node:http, a
   * proxy that keeps it) or without it (Express' `app.use(path, …)`, a proxy that strips it).
   * @default '' (served at the root)
   */
  basePath?: string;
  /**
   * Decides who may see the dashboard; an unauthorized request gets 401 and no data. Required unless
   * `public: true`. `basicAuth` and `bearerToken` make one with a guessing limit (429 past it; see
   * `limitSignIns` to add one to your own).
   * @example authorize: (req) => req.node?.session?.user?.role === 'admin'
   */
  authorize?: (request: DashboardRequest) => boolean | Promise<boolean>;
  /**
   * Serves the dashboard without `authorize`, to anyone who can reach it: only for a page behind an
   * authenticating proxy or on a private network.
   * @default false
   */
  public?: boolean;
  /** Shows everything and allows no action. Not together with `permissions`. @default false */
  readOnly?: boolean;
  /**
   * The actions allowed: those set to `true`, all others refused (and their buttons hidden). A function
   * decides per request, e.g. per user role.
   * @default every action
   * @example permissions: { runJob: true, ping: true, redeliver: true }
   */
  permissions?: PermissionsOption;
  /** Shown in the header and the page titles. @default 'cronhook' */
  title?: string;
  /** @default the scheduler's or notifier's clock, else the system clock */
  clock?: Clock;
  /**
   * Key of the CSRF tokens. Give the same one to every instance behind a load balancer so a form served by
   * one is accepted by another. At least 32 characters.
   * @default a random key per process
   */
  sessionSecret?: string;
  /** Other origins allowed to POST, e.g. `['https://admin.example.com']`. @default [] (the request's host) */
  allowedOrigins?: string[];
  /** Who may frame the dashboard (CSP `frame-ancestors`), e.g. `["'self'"]`. @default [] (nobody) */
  frameAncestors?: string[];
  /** How often pages refresh their data with JavaScript on; 0 turns it off. @default 5_000 */
  refreshIntervalMs?: number;
  /** Rows per page of each list. @default 50 */
  pageSize?: number;
  /** How long "run now" waits for the run's outcome before answering that it is under way. @default 10_000 */
  runWaitMs?: number;
  /** Errors inside the dashboard (a storage failure, say) are logged here, never shown to the browser. */
  logger?: Logger;
}

/** Options after validation, with defaults applied. */
export interface ResolvedOptions {
  basePath: string;
  title: string;
  authorize: ((request: DashboardRequest) => boolean | Promise<boolean>) | null;
  /** `WWW-Authenticate` sent with a 401, when `authorize` carries one (see `basicAuth`). */
  challenge: string | null;
  permissions: PermissionsOption | 'all' | 'none';
  sessionSecret: string | undefined;
  allowedOrigins: string[];
  frameAncestors: string[];
  refreshIntervalMs: number;
  pageSize: number;
  runWaitMs: number;
}

function invalid(field: string, value: unknown, expected: string): CronhookError {
  return new CronhookError(
    'ERR_INVALID_OPTION',
    `createDashboard: ${field} is ${describeValue(value)}; expected ${expected}`,
    { field },
  );
}

function integer(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

function strings(field: string, value: unknown, pattern: RegExp): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && pattern.test(v))) {
    throw invalid(field, value, 'an array of origins such as "https://admin.example.com"');
  }
  return value;
}

/** Normalizes a base path: leading slash, no trailing slash, '' for the root. */
export function normalizeBasePath(value: unknown): string {
  if (value === undefined || value === '' || value === '/') return '';
  if (
    typeof value !== 'string' ||
    !/^\/?[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(value) ||
    value.includes('//')
  ) {
    throw invalid('basePath', value, "a URL path such as '/admin/cron'");
  }
  const withSlash = value.startsWith('/') ? value : `/${value}`;
  return withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
}

/** Validates the options eagerly, naming the field: a misconfigured dashboard fails at start-up. */
export function resolveOptions(options: DashboardOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw invalid('options', options, 'an object');
  if (!options.scheduler && !options.notifier && !options.storage) {
    throw invalid('options', options, 'at least one of scheduler, notifier or storage');
  }
  if (options.public !== undefined && typeof options.public !== 'boolean') {
    throw invalid('public', options.public, 'true or false');
  }
  if (options.authorize !== undefined && typeof options.authorize !== 'function') {
    throw invalid('authorize', options.authorize, 'a function (request) => boolean | Promise<boolean>');
  }
  if (options.authorize === undefined && options.public !== true) {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      'createDashboard: authorize is required: pass authorize(request) => boolean (see basicAuth() and ' +
        'bearerToken()), or public: true to serve the dashboard to anyone who can reach it',
      { field: 'authorize' },
    );
  }
  if (options.readOnly !== undefined && typeof options.readOnly !== 'boolean') {
    throw invalid('readOnly', options.readOnly, 'true or false');
  }
  if (options.readOnly === true && options.permissions !== undefined) {
    throw invalid('permissions', options.permissions, 'no permissions together with readOnly: true');
  }
  if (options.permissions !== undefined && typeof options.permissions !== 'function') {
    checkPermissions(options.permissions);
  }
  if (options.title !== undefined && (typeof options.title !== 'string' || options.title.length > 100)) {
    throw invalid('title', options.title, 'a string of at most 100 characters');
  }
  if (
    options.sessionSecret !== undefined &&
    (typeof options.sessionSecret !== 'string' || options.sessionSecret.length < 32)
  ) {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      'createDashboard: sessionSecret must be a string of at least 32 characters',
      { field: 'sessionSecret' },
    );
  }
  const origin = /^https?:\/\/[^/\s]+$/;
  const ancestor = /^('self'|'none'|https?:\/\/[^\s;,]+|[a-z0-9*.-]+)$/i;
  return {
    basePath: normalizeBasePath(options.basePath),
    title: options.title ?? 'cronhook',
    authorize: options.authorize ?? null,
    challenge:
      (options.authorize as { challenge?: unknown } | undefined)?.challenge === undefined
        ? null
        : String((options.authorize as { challenge?: unknown }).challenge),
    permissions: options.readOnly === true ? 'none' : (options.permissions ?? 'all'),
    sessionSecret: options.sessionSecret,
    allowedOrigins: strings('allowedOrigins', options.allowedOrigins, origin),
    frameAncestors: strings('frameAncestors', options.frameAncestors, ancestor),
    refreshIntervalMs: integer('refreshIntervalMs', options.refreshIntervalMs, 5_000, 0, 3_600_000),
    pageSize: integer('pageSize', options.pageSize, 50, 1, 500),
    runWaitMs: integer('runWaitMs', options.runWaitMs, 10_000, 0, 600_000),
  };
}
