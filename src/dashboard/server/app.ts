import { CronhookError } from '../../errors.js';
import type { Clock, Logger, Scheduler, Storage, WebhookNotifier } from '../../index.js';
import type { ActionDeps } from '../actions/types.js';
import { ASSET_PATHS, serveAsset } from '../assets/index.js';
import { DataSource } from '../data/source.js';
import { StatsCache } from '../data/stats.js';
import { Zones } from '../data/zones.js';
import { errorDocument, layout } from '../html/layout.js';
import { serializeCookie } from '../http/cookies.js';
import type { Incoming, Outgoing } from '../http/types.js';
import type { ResolvedOptions } from '../options.js';
import type { PageContext, Sections } from '../pages/context.js';
import { allowedActions, type DashboardAction } from '../permissions.js';
import { TooManySignInsError } from '../security/auth.js';
import { securityHeaders } from '../security/headers.js';
import { isSameOrigin } from '../security/origin.js';
import { type Session, Sessions } from '../security/session.js';
import { describeError } from './errors.js';
import { ACTIONS, isDashboardPath, JOB_ACTIONS, match, PAGES, WEBHOOK_ACTIONS } from './routes.js';

const FORM_LIMIT = 64 * 1024;
const ZONE_COOKIE = 'cronhook_tz';

export interface AppParts {
  options: ResolvedOptions;
  storage: Storage;
  scheduler: Scheduler | undefined;
  notifier: WebhookNotifier | undefined;
  clock: Clock;
  logger: Logger | undefined;
}

function forbidden(message: string): CronhookError {
  return new CronhookError('ERR_FORBIDDEN', message);
}

/** The dashboard behind both adapters: routing, authorization, CSRF, pages and actions. */
export class DashboardApp {
  readonly #o: ResolvedOptions;
  readonly #parts: AppParts;
  readonly #sessions: Sessions;
  readonly #sections: Sections;
  readonly #possible: ReadonlySet<DashboardAction>;
  readonly #deps: ActionDeps;
  readonly #headers: Record<string, string>;
  readonly #assets: { css: string; js: string };

  constructor(parts: AppParts) {
    this.#parts = parts;
    this.#o = parts.options;
    this.#sessions = new Sessions(this.#o.sessionSecret, this.#o.basePath || '/');
    const storageOnly = !parts.scheduler && !parts.notifier;
    this.#sections = { jobs: storageOnly || !!parts.scheduler, webhooks: storageOnly || !!parts.notifier };
    this.#possible = new Set([
      ...(parts.scheduler ? JOB_ACTIONS : []),
      ...(parts.notifier ? WEBHOOK_ACTIONS : []),
    ]);
    this.#deps = {
      data: new DataSource(parts.storage),
      // Counts as fresh as the live refresh shows them (at least a second old at most).
      stats: new StatsCache(parts.storage, Math.max(1_000, this.#o.refreshIntervalMs)),
      zones: new Zones(parts.storage),
      storage: parts.storage,
      scheduler: parts.scheduler,
      notifier: parts.notifier,
      clock: parts.clock,
      runWaitMs: this.#o.runWaitMs,
      usedNonces: new Map(),
    };
    this.#headers = securityHeaders({ frameAncestors: this.#o.frameAncestors });
    this.#assets = { css: this.#o.basePath + ASSET_PATHS.css, js: this.#o.basePath + ASSET_PATHS.js };
  }

  /**
   * The path inside the dashboard, or null when the request is not one of its own. The base path is removed
   * when present: a request may arrive with it (plain node:http, a proxy that keeps it) or without.
   */
  route(pathname: string): string | null {
    const base = this.#o.basePath;
    if (base && (pathname === base || pathname.startsWith(`${base}/`))) {
      const inner = pathname.slice(base.length) || '/';
      if (isDashboardPath(inner)) return inner;
    }
    return isDashboardPath(pathname) ? pathname : null;
  }

  async respond(incoming: Incoming): Promise<Outgoing> {
    try {
      return await this.#respond(incoming);
    } catch (error) {
      const { status, message } = describeError(error, this.#parts.logger);
      const out = this.#error(status, message, incoming);
      if (error instanceof TooManySignInsError) {
        out.headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
      }
      return out;
    }
  }

  async #respond(incoming: Incoming): Promise<Outgoing> {
    const method = incoming.request.method.toUpperCase();
    const path = this.route(incoming.path) ?? incoming.path;
    if (path.startsWith('/assets/')) {
      const asset = method === 'GET' || method === 'HEAD' ? serveAsset(path) : null;
      if (asset) return asset;
      throw new CronhookError('ERR_NOT_FOUND', 'There is no such file');
    }
    await this.#authorize(incoming);
    const session = this.#sessions.session(incoming);
    const ctx = await this.#context(incoming, session, path);
    let out: Outgoing;
    if (method === 'GET' || method === 'HEAD') out = await this.#page(ctx, path);
    else if (method === 'POST') out = await this.#action(ctx, incoming, path);
    else {
      out = this.#error(405, 'Pages answer GET; actions answer POST.', incoming);
      out.headers.allow = 'GET, HEAD, POST';
    }
    const cookies: string[] = [];
    if (session.setCookie) cookies.push(session.setCookie);
    const zone = incoming.query.get('tz');
    if (zone === 'utc' || zone === 'job') {
      cookies.push(
        serializeCookie(ZONE_COOKIE, zone, {
          path: this.#o.basePath || '/',
          secure: incoming.secure,
          maxAgeSec: 31_536_000,
        }),
      );
    }
    if (cookies.length) out.headers['set-cookie'] = cookies;
    return out;
  }

  async #authorize(incoming: Incoming): Promise<void> {
    const authorize = this.#o.authorize;
    if (authorize === null) return;
    let allowed: boolean;
    try {
      allowed = (await authorize(incoming.request)) === true;
    } catch (error) {
      // A guessing limit reached (basicAuth, bearerToken, limitSignIns): answered 429, with Retry-After.
      if (error instanceof TooManySignInsError) throw error;
      this.#parts.logger?.error?.('cronhook dashboard: authorize threw; the request is refused', {
        message: error instanceof Error ? error.message : String(error),
      });
      allowed = false;
    }
    if (!allowed) throw new CronhookError('ERR_UNAUTHORIZED', 'Not authorized');
  }

  async #context(incoming: Incoming, session: Session, path: string): Promise<PageContext> {
    const asked = incoming.query.get('tz');
    const zoneMode =
      asked === 'job' || (asked !== 'utc' && incoming.cookies.get(ZONE_COOKIE) === 'job') ? 'job' : 'utc';
    return {
      base: this.#o.basePath,
      title: this.#o.title,
      csrfToken: session.csrfToken,
      allowed: await allowedActions(this.#o.permissions, incoming.request, this.#possible),
      now: new Date(this.#parts.clock.now()),
      zoneMode,
      sections: this.#sections,
      refreshMs: this.#o.refreshIntervalMs,
      assets: this.#assets,
      path,
      query: incoming.query,
      pageSize: this.#o.pageSize,
    };
  }

  async #page(ctx: PageContext, path: string): Promise<Outgoing> {
    const found = match(PAGES, path);
    if (!found || (found.route.section && !ctx.sections[found.route.section])) {
      throw new CronhookError('ERR_NOT_FOUND', 'There is no such page');
    }
    const page = await found.route.render(ctx, this.#deps, decodeId(found.id));
    return this.#html(200, layout(ctx, page).value);
  }

  async #action(ctx: PageContext, incoming: Incoming, path: string): Promise<Outgoing> {
    const found = match(ACTIONS, path);
    if (!found) throw new CronhookError('ERR_NOT_FOUND', 'There is no such action');
    // Every check comes before the action: a refused request changes nothing.
    if (!isSameOrigin(incoming, this.#o.allowedOrigins)) {
      throw forbidden('This form was not sent from the dashboard’s own page (cross-origin request refused).');
    }
    if (!ctx.allowed.has(found.route.action)) {
      throw forbidden(`You are not allowed to do this here (${found.route.action}).`);
    }
    const form = await incoming.readForm(FORM_LIMIT);
    if (!this.#sessions.verify(incoming, form.get('csrf'))) {
      throw forbidden(
        'The form has expired or did not come from this dashboard; reload the page and try again.',
      );
    }
    const result = await found.route.handle(ctx, this.#deps, form, decodeId(found.id));
    if ('redirect' in result) {
      return {
        status: 303,
        headers: { ...this.#headers, location: result.redirect, 'cache-control': 'no-store' },
        body: '',
      };
    }
    return this.#html(result.status ?? 200, layout(ctx, result.page).value);
  }

  #html(status: number, body: string): Outgoing {
    return {
      status,
      headers: {
        ...this.#headers,
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-robots-tag': 'noindex',
      },
      body,
    };
  }

  #error(status: number, message: string, incoming: Incoming): Outgoing {
    const base = status === 401 ? null : this.#o.basePath;
    const out = this.#html(status, errorDocument(base, status, message, this.#assets.css).value);
    if (status === 401 && this.#o.challenge) out.headers['www-authenticate'] = this.#o.challenge;
    if (incoming.request.method.toUpperCase() === 'HEAD') out.body = '';
    return out;
  }
}

function decodeId(raw: string): string {
  if (raw === '') return '';
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw new CronhookError('ERR_INVALID_REQUEST', 'The id in the address is not valid', { field: 'id' });
  }
  if (id.length > 300)
    throw new CronhookError('ERR_INVALID_REQUEST', 'The id in the address is too long', { field: 'id' });
  return id;
}
