import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock } from '../clock.js';
import { fetchHandler } from './http/fetch-adapter.js';
import { nodeHandler } from './http/node-adapter.js';
import { type DashboardOptions, resolveOptions } from './options.js';
import { DashboardApp } from './server/app.js';

/** What {@link createDashboard} returns: the same dashboard for both kinds of host. */
export interface Dashboard {
  /**
   * For node:http, Express and Connect. Requests that are not the dashboard's go to `next` when given.
   * @example app.use('/admin/cron', dashboard.handler)
   */
  handler(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /**
   * Web-standard, for Hono, Bun, Deno and Fastify's fetch adapters.
   * @example hono.all('/admin/cron/*', (c) => dashboard.fetch(c.req.raw))
   */
  fetch(request: Request): Promise<Response>;
  /** The base path links are built with. */
  readonly basePath: string;
}

/**
 * The operator dashboard: server-rendered pages of jobs, runs, endpoints and deliveries with their actions,
 * mounted in the host app behind its own authorization. Works without JavaScript, under a strict CSP.
 *
 * @example
 * const dashboard = createDashboard({
 *   scheduler, notifier, basePath: '/admin/cron',
 *   authorize: (req) => req.node?.headers['x-user-role'] === 'admin',
 *   permissions: { runJob: true, pauseJob: true, resumeJob: true, ping: true, redeliver: true },
 * });
 * app.use('/admin/cron', dashboard.handler);
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const resolved = resolveOptions(options);
  const storage = options.storage ?? options.scheduler?.storage ?? options.notifier?.storage;
  // resolveOptions has checked that one of the three was given.
  const app = new DashboardApp({
    options: resolved,
    storage: storage!,
    scheduler: options.scheduler,
    notifier: options.notifier,
    clock: options.clock ?? options.scheduler?.clock ?? options.notifier?.clock ?? systemClock,
    logger: options.logger,
  });
  const dispatch = { route: (path: string) => app.route(path), respond: app.respond.bind(app) };
  return { handler: nodeHandler(dispatch), fetch: fetchHandler(dispatch), basePath: resolved.basePath };
}
