/**
 * The `cronhook run` config file: JSON, or a JS/TS module whose default export (or a function returning it)
 * is the config. Checked here for shape; jobs and endpoints are then validated by the Scheduler and the
 * WebhookNotifier themselves, and any problem becomes one `ERR_CONFIG` line naming the file and the field.
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CronhookError } from '../errors.js';
import type { WebhookNotifierOptions } from '../notifier/options.js';
import type { EndpointInput } from '../notifier/types.js';
import type { SchedulerOptions } from '../scheduler/options.js';
import type { JobDefinition, JobHandler } from '../scheduler/types.js';
import { jsonProblem, moduleProblem } from './parse-errors.js';

/**
 * An endpoint in the config, stored under its `id`. Without one, its id is derived from its URL (the same on
 * every start), and an endpoint stored before config endpoints had ids, with the same URL, is adopted
 * (docs/cli.md says how an endpoint is matched).
 */
export interface ConfigEndpoint extends Omit<EndpointInput, 'secret'> {
  /** The signing secret (`whsec_…`). Give this or `secretEnv`. */
  secret?: string;
  /** Name of an environment variable holding the secret, so the file can be committed. */
  secretEnv?: string;
}

/**
 * What a `cronhook.config.json` holds, or the default export of a `.js`/`.mjs`/`.cjs`/`.ts`/`.mts` config
 * module. A module is imported, so its code runs with the rights of `cronhook run` (docs/cli.md).
 * @example
 * { "db": "cronhook.db",
 *   "jobs": [{ "id": "ping", "schedule": { "every": "5m" }, "target": { "url": "https://example.com/ping" } }],
 *   "endpoints": [{ "id": "hooks", "url": "https://example.com/hooks", "topics": ["job.*"], "secretEnv": "HOOK_SECRET" }] }
 */
export interface CronhookConfig {
  /** SQLite file; `--db` overrides it. */
  db?: string;
  /** Postgres connection string; `--database-url` overrides it. Prefer the env var for passwords. */
  databaseUrl?: string;
  scheduler?: Omit<SchedulerOptions, 'storage' | 'transport' | 'clock' | 'logger'>;
  notifier?: Omit<WebhookNotifierOptions, 'scheduler' | 'storage' | 'transport' | 'clock' | 'logger'>;
  /** Upserted by id on start; jobs in the database but not here are left alone. */
  jobs?: Array<JobDefinition & { id: string }>;
  endpoints?: ConfigEndpoint[];
  /** Handlers for `target: { handler }` jobs (module configs only). */
  handlers?: Record<string, JobHandler>;
}

const KEYS = ['db', 'databaseUrl', 'scheduler', 'notifier', 'jobs', 'endpoints', 'handlers'] as const;
/** Config files that are imported, i.e. executed, rather than read as data. */
export const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts'] as const;

function configError(file: string, message: string, field?: string): CronhookError {
  return new CronhookError('ERR_CONFIG', `config ${file}: ${message}`, field === undefined ? {} : { field });
}

/** Reads and checks a config file. */
export async function loadConfig(path: string): Promise<CronhookConfig> {
  const file = resolve(path);
  const ext = extname(file);
  let raw: unknown;
  if (ext === '.json') {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw configError(path, `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw configError(path, `invalid JSON: ${jsonProblem(text, error)}`);
    }
  } else if ((MODULE_EXTENSIONS as readonly string[]).includes(ext)) {
    // Importing runs the module's code with this process's rights: docs/cli.md says so.
    let mod: { default?: unknown; config?: unknown };
    try {
      mod = await import(pathToFileURL(file).href);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_MODULE_NOT_FOUND' && (error as Error).message.includes(file)) {
        throw configError(path, 'file not found');
      }
      const hint = ext.endsWith('ts') ? ' (.ts configs need Node 22.18+ with type stripping)' : '';
      const why = moduleProblem(file, path, error);
      throw configError(path, `cannot load it: ${why}${hint}`);
    }
    raw = mod.default ?? mod.config;
    if (typeof raw === 'function') raw = await (raw as () => unknown)();
  } else {
    throw configError(
      path,
      `unsupported extension ${JSON.stringify(ext)}; use .json (read as data) or a module that is run: ${MODULE_EXTENSIONS.join(', ')}`,
    );
  }
  return checkConfig(path, raw);
}

/** Checks the shape; the contents of jobs and endpoints are validated when they are applied. */
export function checkConfig(file: string, raw: unknown): CronhookConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw configError(file, 'must be an object (a JSON object, or a module exporting one as default)');
  }
  const config = raw as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw configError(file, `unknown key ${JSON.stringify(key)}; allowed: ${KEYS.join(', ')}`, key);
    }
  }
  for (const key of ['db', 'databaseUrl'] as const) {
    if (config[key] !== undefined && (typeof config[key] !== 'string' || config[key] === '')) {
      throw configError(file, `${key} must be a non-empty string`, key);
    }
  }
  for (const key of ['scheduler', 'notifier', 'handlers'] as const) {
    const value = config[key];
    if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw configError(file, `${key} must be an object`, key);
    }
  }
  for (const [name, fn] of Object.entries((config.handlers ?? {}) as Record<string, unknown>)) {
    if (typeof fn !== 'function')
      throw configError(file, `handlers.${name} must be a function`, `handlers.${name}`);
  }
  const jobs = config.jobs ?? [];
  if (!Array.isArray(jobs)) throw configError(file, 'jobs must be an array', 'jobs');
  const ids = new Set<string>();
  jobs.forEach((job: unknown, i) => {
    const id = (job as { id?: unknown } | null)?.id;
    if (job === null || typeof job !== 'object' || typeof id !== 'string' || id === '') {
      throw configError(
        file,
        `jobs[${i}] needs a string "id" (config jobs are matched by id)`,
        `jobs[${i}].id`,
      );
    }
    if (ids.has(id))
      throw configError(file, `jobs[${i}]: duplicate id ${JSON.stringify(id)}`, `jobs[${i}].id`);
    ids.add(id);
  });
  const endpoints = config.endpoints ?? [];
  if (!Array.isArray(endpoints)) throw configError(file, 'endpoints must be an array', 'endpoints');
  const endpointKeys = new Map<string, number>();
  endpoints.forEach((endpoint: unknown, i) => {
    const e = endpoint as ConfigEndpoint | null;
    if (e === null || typeof e !== 'object' || typeof e.url !== 'string') {
      throw configError(file, `endpoints[${i}] needs a string "url"`, `endpoints[${i}].url`);
    }
    if (e.id !== undefined && (typeof e.id !== 'string' || e.id === '')) {
      throw configError(file, `endpoints[${i}].id must be a non-empty string`, `endpoints[${i}].id`);
    }
    // Two entries for one stored endpoint would overwrite each other at every start.
    const key = e.id === undefined ? `url ${normalizedUrl(e.url)}` : `id ${e.id}`;
    const other = endpointKeys.get(key);
    if (other !== undefined) {
      const what = e.id === undefined ? 'the same url as' : 'the same id as';
      const hint = e.id === undefined ? '; give each an "id"' : '';
      throw configError(file, `endpoints[${i}] has ${what} endpoints[${other}]${hint}`, `endpoints[${i}].id`);
    }
    endpointKeys.set(key, i);
    if (e.secretEnv !== undefined) {
      if (typeof e.secretEnv !== 'string' || e.secretEnv === '') {
        throw configError(
          file,
          `endpoints[${i}].secretEnv must be the name of an environment variable`,
          `endpoints[${i}].secretEnv`,
        );
      }
      if (e.secret !== undefined)
        throw configError(file, `endpoints[${i}]: give secret or secretEnv, not both`);
      if (!process.env[e.secretEnv]) {
        throw configError(
          file,
          `endpoints[${i}].secretEnv: environment variable ${e.secretEnv} is not set`,
          `endpoints[${i}].secretEnv`,
        );
      }
    } else if (typeof e.secret !== 'string') {
      throw configError(
        file,
        `endpoints[${i}] needs "secret" (whsec_…) or "secretEnv" (an environment variable holding it)`,
        `endpoints[${i}].secret`,
      );
    }
  });
  return config as CronhookConfig;
}

/** A URL as endpoints store it, or the text itself when it is not one (the notifier then says why). */
function normalizedUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** The secret of a config endpoint, from the file or the environment. */
export function endpointSecret(endpoint: ConfigEndpoint): string {
  return endpoint.secretEnv !== undefined ? (process.env[endpoint.secretEnv] ?? '') : (endpoint.secret ?? '');
}
