/** What `cronhook run` does besides starting: apply the config to storage, and log every event. */
import type { WebhookNotifier } from '../notifier/webhook-notifier.js';
import { normalizeSchedule } from '../schedule/schedule.js';
import type { NormalizedSchedule } from '../schedule/types.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Job, JobDefinition } from '../scheduler/types.js';
import type { JobRecord, Storage } from '../storage/types.js';
import { safeUrl } from '../transport/safe-url.js';
import { type CronhookConfig, endpointSecret } from './config.js';
import type { CliLogger } from './logger.js';

interface Parts {
  scheduler: Scheduler;
  notifier: WebhookNotifier;
  storage: Storage;
  logger: CliLogger;
}

/**
 * Upserts the config's jobs (by id) and endpoints (by URL). A job whose definition is unchanged is not
 * touched, so a restart keeps its next fire time and catch-up; a changed one is updated.
 */
export async function applyConfig(config: CronhookConfig, parts: Parts): Promise<void> {
  const { scheduler, notifier, storage, logger } = parts;
  for (const def of config.jobs ?? []) {
    // The stored record, not getJob: only it holds header values and the signing secret to compare.
    const existing = await storage.getJob(def.id);
    if (existing === null) {
      await scheduler.addJob(def);
      logger.info('job added', { job: def.id });
    } else if (!sameDefinition(existing, def, config.scheduler?.timezone ?? 'UTC')) {
      const { id, ...patch } = def;
      await scheduler.updateJob(id, patch);
      logger.info('job updated', { job: id });
    }
  }
  const stored = await notifier.listEndpoints({ limit: 10_000 });
  for (const input of config.endpoints ?? []) {
    const { secret: _secret, secretEnv: _env, ...fields } = input;
    const secret = endpointSecret(input);
    const match = stored.find((e) => e.url === input.url);
    if (match === undefined) {
      const { endpoint } = await notifier.addEndpoint({ ...fields, secret });
      logger.info('endpoint added', { endpoint: endpoint.id, url: safeUrl(endpoint.url) });
      continue;
    }
    await notifier.updateEndpoint(match.id, fields);
    const record = await storage.getEndpoint(match.id);
    const current = record?.secrets.find((s) => s.expiresAt === null)?.secret;
    if (current !== secret) {
      // The previous secret keeps signing for the default grace period, so receivers can switch.
      await notifier.rotateSecret(match.id, { secret });
      logger.info('endpoint secret rotated from config', { endpoint: match.id });
    }
  }
}

function sameDefinition(job: JobRecord, def: JobDefinition, timezone: string): boolean {
  let schedule: NormalizedSchedule;
  try {
    schedule = normalizeSchedule(def.schedule, {
      jobId: job.id,
      timezone,
      now: Date.now(),
      allowPastAt: true,
    });
  } catch {
    return false; // updateJob reports the problem
  }
  if (!sameSchedule(job.schedule, schedule)) return false;
  const { id: _id, schedule: _s, ...rest } = def;
  const current = job as unknown as Record<string, unknown>;
  return Object.entries(rest).every(([key, value]) => includes(current[key], value));
}

function sameSchedule(a: NormalizedSchedule, b: NormalizedSchedule): boolean {
  if (a.kind === 'cron' && b.kind === 'cron') return a.cron === b.cron && a.timezone === b.timezone;
  if (a.kind === 'every' && b.kind === 'every') return a.everyMs === b.everyMs;
  if (a.kind === 'at' && b.kind === 'at') return Date.parse(a.at) === Date.parse(b.at);
  return false;
}

/** True when `stored` holds everything `given` says (stored defaults for omitted keys do not count). */
function includes(stored: unknown, given: unknown): boolean {
  if (stored instanceof Date) return stored.getTime() === new Date(given as string).getTime();
  if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
    if (stored === null || typeof stored !== 'object') return false;
    return Object.entries(given).every(([k, v]) => includes((stored as Record<string, unknown>)[k], v));
  }
  return JSON.stringify(stored) === JSON.stringify(given);
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
