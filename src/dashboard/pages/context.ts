import type { ZoneMode } from '../data/zones.js';
import type { DashboardAction } from '../permissions.js';

/** Which sections the dashboard shows, from what it was given. */
export interface Sections {
  jobs: boolean;
  webhooks: boolean;
}

/** What every page and component needs to render for one request. */
export interface PageContext {
  /** The base path the browser sees ('' at the root). */
  base: string;
  title: string;
  csrfToken: string;
  allowed: ReadonlySet<DashboardAction>;
  now: Date;
  /** Times shown in UTC, or those of a job (its runs, its deliveries) in the job's own timezone. */
  zoneMode: ZoneMode;
  sections: Sections;
  refreshMs: number;
  assets: { css: string; js: string };
  /** The request's path inside the dashboard and its query, for links that keep them. */
  path: string;
  query: URLSearchParams;
  pageSize: number;
}

/** A dashboard URL: base path + path + query (empty values left out). */
export function href(
  ctx: Pick<PageContext, 'base'>,
  path: string,
  params: Record<string, string | null | undefined> = {},
): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  const search = query.toString();
  return `${ctx.base}${path}${search ? `?${search}` : ''}`;
}

/** The zone to show a job's times in. */
export function zoneFor(ctx: Pick<PageContext, 'zoneMode'>, jobZone: string | null | undefined): string {
  return ctx.zoneMode === 'job' && jobZone ? jobZone : 'UTC';
}
