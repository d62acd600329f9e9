/** What `cronhook run` does besides starting: apply the config to storage, and log every event. */
import { createHash } from 'node:crypto';
import type { WebhookNotifier } from '../notifier/webhook-notifier.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Job } from '../scheduler/types.js';
import type { Storage } from '../storage/types.js';
import { safeUrl } from '../transport/safe-url.js';
import { type ConfigEndpoint, type CronhookConfig, endpointSecret } from './config.js';
import type { CliLogger } from './logger.js';

interface Parts {
  scheduler: Scheduler;
  notifier: WebhookNotifier;
  /** Read for the stored endpoints' whole URLs (the notifier's views name them without their query). */
  storage: Storage;
  logger: CliLogger;
}

/** What matching a config endpoint needs of a stored one: its id and its whole URL. */
type StoredEndpoint = { id: string; url: string };

/**
 * Declares the config's jobs and endpoints with `upsertJob` and `upsertEndpoint`: a new one is added, a changed
 * one updated, an unchanged one (compared normalized, against what is stored) left alone, so a restart keeps
 * each job's next fire time and catch-up, and instances starting together with one config end with one of
 * each. Jobs and endpoints the config does not mention are left alone. How endpoints are matched:
 * {@link configEndpointId}.
 */
export async function applyConfig(config: CronhookConfig, parts: Parts): Promise<void> {
  const { scheduler, notifier, storage, logger } = parts;
  for (const definition of config.jobs ?? []) {
    const { created, updated } = await scheduler.upsertJob(definition);
    if (created) logger.info('job added', { job: definition.id });
    else if (updated) logger.info('job updated', { job: definition.id });
  }
  const endpoints = config.endpoints ?? [];
  const stored = endpoints.length > 0 ? await listAll(storage) : [];
  for (const input of endpoints) {
    const { secret: _secret, secretEnv: _env, ...fields } = input;
    const id = configEndpointId(input, stored);
    const result = await notifier.upsertEndpoint({ ...fields, id, secret: endpointSecret(input) });
    const url = safeUrl(result.endpoint.url);
    if (result.created) logger.info('endpoint added', { endpoint: id, url });
    else if (result.updated) logger.info('endpoint updated', { endpoint: id, url });
    // Leftovers of configs without ids (one endpoint per start, each URL matched loosely): each of them
    // receives every matching webhook too. Said when one is adopted or a config endpoint is created beside them.
    const wholeUrl = new URL(input.url).href; // as stored: upsertEndpoint accepted it
    const twins = stored.filter((e) => e.id !== id && e.url === wholeUrl).map((e) => e.id);
    if (twins.length > 0 && (result.created || (input.id === undefined && !id.startsWith('url:')))) {
      logger.warn('other endpoints have the same URL as a config endpoint', {
        endpoint: id,
        others: twins,
        hint: 'each receives every matching webhook too: remove leftovers with cronhook endpoints remove <id>',
      });
    }
  }
}

/**
 * The id a config endpoint is stored under. With `id`, that id. Without one, the endpoint stored from this
 * config before under the id derived from its URL (`url:` and a hash of the normalized URL, the same on
 * every start and in every instance); or else, when there is none yet, the oldest stored endpoint with the
 * same URL (one `cronhook run` made before config endpoints had ids, which it matched by URL), which the
 * config then keeps up to date; or else the derived id, for a new endpoint.
 */
export function configEndpointId(input: ConfigEndpoint, stored: StoredEndpoint[]): string {
  if (input.id !== undefined) return input.id;
  let url: string;
  try {
    url = new URL(input.url).href;
  } catch {
    return derivedId(input.url); // upsertEndpoint names what is wrong with the URL
  }
  const derived = derivedId(url);
  if (stored.some((e) => e.id === derived)) return derived;
  return stored.find((e) => e.url === url)?.id ?? derived;
}

function derivedId(url: string): string {
  return `url:${createHash('sha256').update(url).digest('base64url').slice(0, 22)}`;
}

/** Every stored endpoint, its whole URL included, oldest first. */
async function listAll(storage: Storage): Promise<StoredEndpoint[]> {
  const all: StoredEndpoint[] = [];
  for (;;) {
    const page = await storage.listEndpoints({
      limit: 1_000,
      ...(all.length ? { after: all.at(-1)!.id } : {}),
    });
    all.push(...page);
    if (page.length < 1_000) return all;
  }
}

/** Logs the scheduler's and the notifier's events; returns a function that stops. */
export function logEvents(scheduler: Scheduler, notifier: WebhookNotifier, logger: CliLogger): () => void {
  const offs: Array<() => void> = [];
  const run = (e: {
    job: Job;
    run: { id: string; attempts: number; durationMs: number | null; statusCode: number | null };
  }) => ({
    job: e.job.id,
    run: e.run.id,
    attempts: e.run.attempts,
    durationMs: e.run.durationMs,
    statusCode: e.run.statusCode,
  });
  offs.push(
    scheduler.on('job.started', (e) => logger.debug('run started', { job: e.job.id, run: e.run.id })),
    scheduler.on('job.succeeded', (e) => logger.info('run succeeded', run(e))),
    scheduler.on('job.failed', (e) =>
      logger.error('run failed', { ...run(e), error: e.error.code, message: e.error.message }),
    ),
    scheduler.on('job.retrying', (e) =>
      logger.warn('run retrying', { ...run(e), attempt: e.attempt, delayMs: e.delayMs, error: e.error.code }),
    ),
    scheduler.on('job.skipped', (e) => logger.warn('run skipped', { ...run(e), reason: e.reason })),
    scheduler.on('job.missed', (e) =>
      logger.warn('run missed', {
        ...run(e),
        missed: e.missed.count,
        first: e.missed.first.toISOString(),
        last: e.missed.last.toISOString(),
      }),
    ),
    scheduler.on('error', (e) => logger.error('scheduler error', { error: e.error })),
  );
  // Failed attempts, retries and disabled endpoints are logged by the notifier itself (it has the logger);
  // successes it logs at debug only, so they are logged here at info.
  offs.push(
    notifier.on('delivery.succeeded', (e) =>
      logger.info('delivery succeeded', {
        delivery: e.delivery.id,
        endpoint: e.endpoint.id,
        topic: e.delivery.topic,
        attempt: e.attempt.attempt,
        statusCode: e.attempt.statusCode,
        durationMs: e.attempt.durationMs,
      }),
    ),
    notifier.on('error', (e) => logger.error('notifier error', { error: e.error })),
  );
  return () => {
    for (const off of offs) off();
  };
}
