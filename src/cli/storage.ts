/**
 * Opens the database the CLI works on (SQLite with `--db`, Postgres with `--database-url`), and the Scheduler
 * and WebhookNotifier a management command uses over it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { WebhookNotifier } from '../notifier/webhook-notifier.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { Storage } from '../storage/types.js';
import { type OptionSpec, type OptionValues, stringOption, UsageError } from './command.js';
import { refuseEncryptedWithoutKeys, withEnvKeys } from './encryption.js';

export const DEFAULT_DB = 'cronhook.db';
const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** The options every command that touches the database takes. */
export const DATABASE_OPTIONS: Record<string, OptionSpec> = {
  db: {
    type: 'string',
    value: '<file>',
    description: `SQLite database file (env CRONHOOK_DB; default ./${DEFAULT_DB})`,
  },
  'database-url': {
    type: 'string',
    value: '<url>',
    description: 'Postgres connection string instead of SQLite (env CRONHOOK_DATABASE_URL)',
  },
  schema: {
    type: 'string',
    value: '<name>',
    description: 'Postgres schema holding the tables (env CRONHOOK_SCHEMA; default cronhook)',
  },
};

export interface DatabaseChoice {
  db?: string | undefined;
  databaseUrl?: string | undefined;
  /** Postgres only. */
  schema?: string | undefined;
}

/** How each source names its two settings, so that a refusal points at the one to fix. */
const SOURCE_NAMES = {
  flags: { db: '--db', databaseUrl: '--database-url' },
  config: { db: 'the config\'s "db"', databaseUrl: 'the config\'s "databaseUrl"' },
  env: { db: 'CRONHOOK_DB', databaseUrl: 'CRONHOOK_DATABASE_URL' },
} as const;
/** `scheme://…`: a connection string, never a file name (it would become folders named after its password). */
const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** Flags win over the config file, which wins over the environment. */
export function chooseDatabase(values: OptionValues, fromConfig: DatabaseChoice = {}): DatabaseChoice {
  const db = stringOption(values, 'db');
  const databaseUrl = stringOption(values, 'database-url');
  const schema = stringOption(values, 'schema') ?? (process.env.CRONHOOK_SCHEMA || undefined);
  if (db !== undefined && databaseUrl !== undefined) {
    throw new UsageError('give either --db or --database-url, not both', 'db');
  }
  let choice: DatabaseChoice;
  let names: (typeof SOURCE_NAMES)[keyof typeof SOURCE_NAMES] = SOURCE_NAMES.flags;
  if (db !== undefined || databaseUrl !== undefined) choice = { db, databaseUrl };
  else if (fromConfig.db !== undefined || fromConfig.databaseUrl !== undefined) {
    choice = { ...fromConfig };
    names = SOURCE_NAMES.config;
  } else {
    choice = process.env.CRONHOOK_DATABASE_URL
      ? { databaseUrl: process.env.CRONHOOK_DATABASE_URL }
      : { db: process.env.CRONHOOK_DB || DEFAULT_DB };
    names = SOURCE_NAMES.env;
  }
  // Neither value is repeated: a connection string usually carries a password.
  if (choice.db !== undefined && URL_LIKE.test(choice.db)) {
    throw new UsageError(
      `${names.db} is a SQLite file path, not a URL; a postgres:// connection string goes in ` +
        `${names.databaseUrl} (the value is not shown: it may hold a password)`,
      'db',
    );
  }
  if (choice.databaseUrl !== undefined && !POSTGRES_URL.test(choice.databaseUrl)) {
    throw new UsageError(
      `${names.databaseUrl} must start with postgres:// or postgresql:// (the value is not shown: it may hold a password)`,
      'database-url',
    );
  }
  if (schema !== undefined) {
    if (choice.databaseUrl === undefined)
      throw new UsageError('--schema applies to Postgres (--database-url) only', 'schema');
    choice.schema = schema;
  }
  return choice;
}

/**
 * Opens the chosen storage and applies migrations. With `mustExist`, a SQLite file that is not there is an
 * error rather than a new empty database (a typo in `--db` should not look like "no jobs"). With keys in
 * CRONHOOK_ENCRYPTION_KEYS the storage is an EncryptedStorage (whose migrate() checks them); without, a
 * database whose secrets are encrypted is refused (`ERR_ENCRYPTION_KEY`).
 */
export async function openStorage(choice: DatabaseChoice, options: { mustExist: boolean }): Promise<Storage> {
  let storage: Storage;
  if (choice.databaseUrl !== undefined) {
    if (!POSTGRES_URL.test(choice.databaseUrl)) {
      // The value is not echoed: a connection string usually carries a password.
      throw new UsageError('--database-url must start with postgres:// or postgresql://', 'database-url');
    }
    const { PostgresStorage } = await import('../storage/postgres/index.js');
    storage = new PostgresStorage({
      connectionString: choice.databaseUrl,
      ...(choice.schema === undefined ? {} : { schema: choice.schema }),
    });
  } else {
    const path = resolve(choice.db ?? DEFAULT_DB);
    if (options.mustExist && !existsSync(path)) {
      throw new UsageError(
        `no database at ${path}; pass --db <file> (or start one with "cronhook run")`,
        'db',
      );
    }
    const { SqliteStorage } = await import('../storage/sqlite/index.js');
    storage = new SqliteStorage({ path });
  }
  try {
    storage = withEnvKeys(storage);
    await storage.migrate();
    await refuseEncryptedWithoutKeys(storage);
  } catch (error) {
    await storage.close?.();
    throw error;
  }
  return storage;
}

// A Scheduler and a WebhookNotifier over the chosen database, for one management command.

export interface App {
  storage: Storage;
  scheduler: Scheduler;
  notifier: WebhookNotifier;
}

/**
 * Opens the database, runs `fn` and closes it. Neither the scheduler nor the notifier is started: the
 * commands read and change what is stored, and a running `cronhook run` picks the changes up. The notifier
 * is attached so that a `jobs trigger` here stores its webhooks in the outbox, for the running instance to
 * deliver.
 */
export async function withApp<T>(
  values: OptionValues,
  options: { mustExist: boolean; allowPrivateNetworks?: boolean },
  fn: (app: App) => Promise<T>,
): Promise<T> {
  const storage = await openStorage(chooseDatabase(values), { mustExist: options.mustExist });
  try {
    const scheduler = new Scheduler({ storage });
    const notifier = new WebhookNotifier({
      scheduler,
      storage,
      allowPrivateNetworks: options.allowPrivateNetworks ?? false,
    });
    return await fn({ storage, scheduler, notifier });
  } finally {
    await storage.close?.();
  }
}
