/**
 * The dashboard as the CLI serves it (`cronhook run --dashboard`, `cronhook dashboard`): a node:http server
 * on the given address, access from the environment. A non-loopback address without credentials is refused:
 * the dashboard must never be open to a network by accident.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { isIP } from 'node:net';
import type { DashboardPermissions } from '../dashboard/index.js';
import {
  type Authorizer,
  basicAuth,
  bearerToken,
  createDashboard,
  limitSignIns,
} from '../dashboard/index.js';
import type { Logger, Scheduler, Storage, WebhookNotifier } from '../index.js';
import { UsageError } from './command.js';
import { isLoopback, refuseForeignHost } from './service/listen-address.js';

export const DASHBOARD_ENV = {
  token: 'CRONHOOK_DASHBOARD_TOKEN',
  user: 'CRONHOOK_DASHBOARD_USER',
  password: 'CRONHOOK_DASHBOARD_PASSWORD',
} as const;

export const DASHBOARD_ACCESS_HELP = `Access: ${DASHBOARD_ENV.user} and ${DASHBOARD_ENV.password} (basic auth, what a browser
asks for), and/or ${DASHBOARD_ENV.token} (an "Authorization: Bearer <token>" header, for a proxy or a script).
Without them the dashboard is served only on a loopback address (127.0.0.1, ::1, localhost), to anyone on
this machine; any other address is refused.`;

/** `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080` or a bare port (on 127.0.0.1). */
export function parseListenAddress(value: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value) ?? /^()()(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  const host = m?.[1] || m?.[2] || '127.0.0.1';
  if (
    !m ||
    !Number.isInteger(port) ||
    port > 65_535 ||
    (m[1] !== undefined && m[1] !== '' && isIP(m[1]) !== 6)
  ) {
    throw new UsageError(`--${flag} must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080`, flag);
  }
  return { host, port };
}

/** The `authorize` of the environment's credentials, or null when there are none. */
export function accessFromEnv(env: NodeJS.ProcessEnv): Authorizer | null {
  const token = env[DASHBOARD_ENV.token] || undefined;
  const user = env[DASHBOARD_ENV.user] || undefined;
  const password = env[DASHBOARD_ENV.password] || undefined;
  if ((user === undefined) !== (password === undefined)) {
    throw new UsageError(`set both ${DASHBOARD_ENV.user} and ${DASHBOARD_ENV.password}, or neither`);
  }
  const checks: Authorizer[] = [];
  // No limit of their own: the two together are limited once (startDashboardServer), so that a wrong password
  // does not also count as a wrong token.
  if (user !== undefined && password !== undefined)
    checks.push(basicAuth({ username: user, password, limit: false }));
  if (token !== undefined) checks.push(bearerToken(token, { limit: false }));
  if (checks.length === 0) return null;
  const either: Authorizer = (request) => checks.some((check) => check(request));
  const challenge = checks.find((c) => c.challenge)?.challenge;
  if (challenge) either.challenge = challenge;
  return either;
}

export interface DashboardServerOptions {
  address: string;
  flag: string;
  scheduler?: Scheduler;
  notifier?: WebhookNotifier;
  storage?: Storage;
  permissions?: DashboardPermissions;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/** Starts serving; resolves with the URL and a close function. */
export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const { host, port } = parseListenAddress(options.address, options.flag);
  const authorize = accessFromEnv(options.env);
  if (authorize === null && !isLoopback(host)) {
    throw new UsageError(
      `--${options.flag} ${options.address}: refusing to serve the dashboard on a non-loopback address without ` +
        `credentials; set ${DASHBOARD_ENV.user}/${DASHBOARD_ENV.password} or ${DASHBOARD_ENV.token}`,
      options.flag,
    );
  }
  const onLimited = (address: string) =>
    options.logger.warn?.('dashboard: too many wrong credentials from one address; refused for a minute', {
      address,
    });
  const dashboard = createDashboard({
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    ...(options.notifier ? { notifier: options.notifier } : {}),
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.permissions ? { permissions: options.permissions } : {}),
    ...(authorize ? { authorize: limitSignIns(authorize, { onLimited }) } : { public: true }),
    logger: options.logger,
  });
  // On loopback, only requests naming this machine: a DNS-rebinding page must not read or drive the dashboard.
  const server = createServer((req, res) => {
    if (!refuseForeignHost(host, req, res)) dashboard.handler(req, res);
  });
  server.listen(port, host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw new UsageError(`--${options.flag} ${options.address}: ${(error as Error).message}`, options.flag);
    }),
  ]);
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
  if (authorize === null) {
    options.logger.warn?.('dashboard open to anyone on this machine (no credentials in the environment)', {
      url,
    });
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
