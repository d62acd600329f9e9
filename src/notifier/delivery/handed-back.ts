import { isCronhookError } from '../../errors.js';
import type { Storage } from '../../storage/types.js';
import type { DeliveryRecord } from '../types.js';
import { removedWithEndpoint } from './removed-endpoint-deliveries.js';

/** What handing deliveries back tells the dispatcher (see ClaimedAhead's Launcher). */
export interface HandBackWatcher {
  /** Storage trouble handing a delivery back: reported, the lease then simply runs out. */
  fail(error: unknown): void;
  /** The delivery was deleted with its removed endpoint meanwhile: nothing to hand back, and no error. */
  dropped(delivery: DeliveryRecord): void;
  /** Deliveries were handed back: a claim may find them again. */
  returned(): void;
}

/**
 * Deliveries claimed ahead that are handed back: stored unleased again, so that a claim (this instance's or
 * another's) may take them.
 */
export class HandedBack {
  readonly #storage: Storage;
  #returning: Promise<void> = Promise.resolve();

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** Resolves once the deliveries handed back so far are stored as unleased. */
  returning(): Promise<void> {
    return this.#returning;
  }

  add(deliveries: DeliveryRecord[], watcher: HandBackWatcher): void {
    const unlease = (d: DeliveryRecord) =>
      this.#storage
        .updateDelivery({ ...d, lockedBy: null, lockedUntil: null })
        .catch((error: unknown) => failed(this.#storage, d, error, watcher));
    const done = Promise.all(deliveries.map(unlease)).then(() => watcher.returned());
    this.#returning = Promise.all([this.#returning, done]).then(() => {});
  }
}

/**
 * A hand-back that failed with `error`: dropped when its delivery went with its removed endpoint (no error),
 * else reported.
 */
async function failed(
  storage: Storage,
  delivery: DeliveryRecord,
  error: unknown,
  watcher: HandBackWatcher,
): Promise<void> {
  if (isCronhookError(error, 'ERR_DELIVERY_NOT_FOUND') && (await removedWithEndpoint(storage, delivery)))
    watcher.dropped(delivery);
  else watcher.fail(error);
}
