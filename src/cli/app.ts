/** A Scheduler and a WebhookNotifier over the chosen database, for one management command. */
import { WebhookNotifier } from '../notifier/webhook-notifier.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { Storage } from '../storage/types.js';
import type { OptionValues } from './command.js';
import { chooseDatabase, openStorage } from './storage.js';

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
