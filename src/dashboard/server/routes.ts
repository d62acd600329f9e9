import * as deliveryActions from '../actions/delivery-actions.js';
import * as endpointActions from '../actions/endpoint-actions.js';
import * as jobActions from '../actions/job-actions.js';
import type { ActionHandler } from '../actions/types.js';
import type { PageBody } from '../html/layout.js';
import type { PageContext, Sections } from '../pages/context.js';
import { deliveriesPage, deliveryPage } from '../pages/deliveries.js';
import type { Deps } from '../pages/deps.js';
import { editPage, endpointPage } from '../pages/endpoint.js';
import { newEndpointPage } from '../pages/endpoint-form.js';
import { endpointsPage } from '../pages/endpoints.js';
import { jobPage } from '../pages/job.js';
import { jobsPage } from '../pages/jobs.js';
import { overviewPage } from '../pages/overview.js';
import { DASHBOARD_ACTIONS, type DashboardAction } from '../permissions.js';

type Section = keyof Sections | null;

export interface PageRoute {
  pattern: RegExp;
  section: Section;
  render(ctx: PageContext, deps: Deps, id: string): Promise<PageBody> | PageBody;
}

export interface ActionRoute {
  pattern: RegExp;
  action: DashboardAction;
  handle: ActionHandler;
}

const ID = '([^/]+)';

/** Pages, answered to GET and HEAD. */
export const PAGES: readonly PageRoute[] = [
  { pattern: /^\/$/, section: null, render: overviewPage },
  { pattern: /^\/jobs$/, section: 'jobs', render: jobsPage },
  { pattern: new RegExp(`^/jobs/${ID}$`), section: 'jobs', render: jobPage },
  { pattern: /^\/endpoints$/, section: 'webhooks', render: endpointsPage },
  { pattern: /^\/add\/endpoint$/, section: 'webhooks', render: (ctx) => newEndpointPage(ctx) },
  { pattern: new RegExp(`^/endpoints/${ID}$`), section: 'webhooks', render: endpointPage },
  { pattern: new RegExp(`^/endpoints/${ID}/edit$`), section: 'webhooks', render: editPage },
  { pattern: /^\/deliveries$/, section: 'webhooks', render: deliveriesPage },
  { pattern: new RegExp(`^/deliveries/${ID}$`), section: 'webhooks', render: deliveryPage },
];

/** Actions, answered to POST only, each allowed or refused by `permissions`. */
export const ACTIONS: readonly ActionRoute[] = [
  { pattern: new RegExp(`^/jobs/${ID}/run$`), action: 'runJob', handle: jobActions.runJob },
  { pattern: new RegExp(`^/jobs/${ID}/pause$`), action: 'pauseJob', handle: jobActions.pauseJob },
  { pattern: new RegExp(`^/jobs/${ID}/resume$`), action: 'resumeJob', handle: jobActions.resumeJob },
  { pattern: /^\/endpoints$/, action: 'addEndpoint', handle: endpointActions.addEndpoint },
  {
    pattern: new RegExp(`^/endpoints/${ID}/edit$`),
    action: 'editEndpoint',
    handle: endpointActions.editEndpoint,
  },
  {
    pattern: new RegExp(`^/endpoints/${ID}/rotate$`),
    action: 'rotateSecret',
    handle: endpointActions.rotateSecret,
  },
  { pattern: new RegExp(`^/endpoints/${ID}/ping$`), action: 'ping', handle: endpointActions.ping },
  {
    pattern: new RegExp(`^/endpoints/${ID}/enable$`),
    action: 'enableEndpoint',
    handle: endpointActions.enableEndpoint,
  },
  {
    pattern: new RegExp(`^/endpoints/${ID}/disable$`),
    action: 'disableEndpoint',
    handle: endpointActions.disableEndpoint,
  },
  {
    pattern: new RegExp(`^/endpoints/${ID}/delete$`),
    action: 'deleteEndpoint',
    handle: endpointActions.deleteEndpoint,
  },
  { pattern: /^\/deliveries\/replay$/, action: 'replay', handle: deliveryActions.replay },
  {
    pattern: new RegExp(`^/deliveries/${ID}/redeliver$`),
    action: 'redeliver',
    handle: deliveryActions.redeliver,
  },
];

/** The route matching `path` and its decoded id ('' when it has none). */
export function match<R extends { pattern: RegExp }>(
  routes: readonly R[],
  path: string,
): { route: R; id: string } | null {
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (m) return { route, id: m[1] ?? '' };
  }
  return null;
}

/** Actions that need the scheduler; all the others need the notifier. */
export const JOB_ACTIONS: readonly DashboardAction[] = ['runJob', 'pauseJob', 'resumeJob'];
export const WEBHOOK_ACTIONS: readonly DashboardAction[] = DASHBOARD_ACTIONS.filter(
  (a) => !JOB_ACTIONS.includes(a),
);

/** Every known route path, to tell a dashboard request from another one in front of `next()`. */
export function isDashboardPath(path: string): boolean {
  return path.startsWith('/assets/') || match(PAGES, path) !== null || match(ACTIONS, path) !== null;
}
