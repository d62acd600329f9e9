import { CronhookError } from '../errors.js';
import { isRunActive } from '../scheduler/types.js';

/** The `ERR_*_NOT_FOUND` error every adapter throws for a missing record. */
export function notFound(kind: 'job' | 'run' | 'endpoint' | 'delivery', id: string): CronhookError {
  const code = {
    job: 'ERR_JOB_NOT_FOUND',
    run: 'ERR_RUN_NOT_FOUND',
    endpoint: 'ERR_ENDPOINT_NOT_FOUND',
    delivery: 'ERR_DELIVERY_NOT_FOUND',
  } as const;
  return new CronhookError(code[kind], `No ${kind} with id ${JSON.stringify(id)}`);
}

export function duplicateJob(id: string): CronhookError {
  return new CronhookError('ERR_DUPLICATE_JOB', `A job with id ${JSON.stringify(id)} already exists`, {
    field: 'id',
  });
}

export function duplicateEndpoint(id: string): CronhookError {
  return new CronhookError(
    'ERR_DUPLICATE_ENDPOINT',
    `An endpoint with id ${JSON.stringify(id)} already exists`,
    {
      field: 'id',
    },
  );
}

export function leaseLost(jobId: string, instanceId: string): CronhookError {
  return new CronhookError('ERR_LEASE_LOST', `Instance ${instanceId} no longer holds job ${jobId}`);
}

/**
 * `updateRun` refused a write (see `Storage.updateRun`): the stored run is no longer the writer's, held by
 * another instance since it took the run over, or finished. `stored` is the run as stored, for the message.
 */
export function runLeaseLost(
  run: { id: string; jobId: string; instanceId: string | null },
  stored: { instanceId: string | null; status: string },
): CronhookError {
  const now = isRunActive(stored.status)
    ? `held by ${stored.instanceId === null ? 'no instance' : `instance ${stored.instanceId}`}`
    : `${stored.status} already`;
  const writer = run.instanceId === null ? 'no instance' : `instance ${run.instanceId}`;
  return new CronhookError(
    'ERR_LEASE_LOST',
    `Run ${run.id} of job ${JSON.stringify(run.jobId)} is no longer held by ${writer} (it is ${now}): ` +
      'its lease ran out and another instance took it over, or it finished; the write was refused',
  );
}

/** A database written by a newer cronhook: refused rather than misread or downgraded. */
export function schemaTooNew(found: number, supported: number, where: string): CronhookError {
  return new CronhookError(
    'ERR_SCHEMA_TOO_NEW',
    `The cronhook schema in ${where} is at version ${found}, but this version of cronhook supports up to ` +
      `${supported}. Upgrade cronhook, or point it at another database.`,
  );
}

/**
 * A database whose schema is older than this version needs (or missing), with automatic migration turned off:
 * refused before anything is read or written, with what to do.
 */
export function schemaOutdated(found: number, needed: number, where: string): CronhookError {
  const state = found === 0 ? 'has no cronhook schema yet' : `is at cronhook schema version ${found}`;
  return new CronhookError(
    'ERR_SCHEMA_OUTDATED',
    `${where} ${state}; this version of cronhook needs version ${needed}, and autoMigrate is off. Run ` +
      '`await storage.migrate()` once with a database user allowed to change the schema (in a deploy step, ' +
      'say), or leave autoMigrate on.',
    { field: 'autoMigrate' },
  );
}

/** Wraps a driver error so callers match one code; CronhookErrors pass through unchanged. */
export function storageError(error: unknown, action: string): CronhookError {
  if (error instanceof CronhookError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new CronhookError('ERR_STORAGE', `Storage failed to ${action}: ${detail}`, { cause: error });
}
