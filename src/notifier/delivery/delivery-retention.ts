import type { Clock } from '../../clock.js';
import type { Logger } from '../../scheduler/types.js';
import type { Storage } from '../../storage/types.js';

/**
 * Time between retention passes (clock time; one pass also runs at start): a tenth of the retention, so a
 * finished delivery is gone at most 10% after its retention ran out (60 s kept: gone within 66 s), between
 * one second (a pass is a storage query; sub-second precision is not worth a query per tick) and one hour
 * (the default 7 days still prunes hourly, not every 16.8 h).
 */
export function pruneIntervalMs(retentionMs: number): number {
  return Math.min(MAX_PRUNE_INTERVAL_MS, Math.max(MIN_PRUNE_INTERVAL_MS, Math.floor(retentionMs / 10)));
}
const MIN_PRUNE_INTERVAL_MS = 1_000;
const MAX_PRUNE_INTERVAL_MS = 3_600_000;
/** Deliveries deleted per `pruneDeliveries` call, so one call never holds a long transaction. */
const PRUNE_BATCH = 1_000;

/**
 * `deliveryRetentionMs` applied to the delivery log by the dispatcher: a pass at start, then every tenth of
 * the retention; a pass runs beside claiming, never two at once.
 */
export class DeliveryRetention {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #logger: Logger | undefined;
  readonly #fail: (error: unknown) => void;
  /** Clock time of the next pass; null when retention is off or the storage cannot prune. */
  #nextAt: number | null = null;
  #pruning: Promise<void> | null = null;
  #running = false;

  constructor(
    storage: Storage,
    clock: Clock,
    retentionMs: number,
    logger: Logger | undefined,
    fail: (error: unknown) => void,
  ) {
    this.#storage = storage;
    this.#clock = clock;
    this.#retentionMs = retentionMs;
    this.#logger = logger;
    this.#fail = fail;
  }

  /** When the next pass is due (for the dispatcher's timer), or null. */
  get nextAt(): number | null {
    return this.#nextAt;
  }

  start(): void {
    this.#running = true;
    this.#nextAt = this.#retentionMs > 0 && this.#storage.pruneDeliveries ? this.#clock.now() : null;
  }

  /** Stops after the current batch; resolves once no pass runs. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#pruning;
  }

  /** Starts a pass when one is due. */
  maybeRun(): void {
    const now = this.#clock.now();
    if (this.#nextAt === null || now < this.#nextAt || this.#pruning !== null) return;
    this.#nextAt = now + pruneIntervalMs(this.#retentionMs);
    this.#pruning = this.#run(new Date(now - this.#retentionMs)).finally(() => {
      this.#pruning = null;
    });
  }

  async #run(before: Date): Promise<void> {
    try {
      let removed = 0;
      for (;;) {
        const n = await this.#storage.pruneDeliveries!({ before, limit: PRUNE_BATCH });
        removed += n;
        if (n < PRUNE_BATCH || !this.#running) break;
      }
      if (removed > 0)
        this.#logger?.debug?.('cronhook: pruned finished deliveries', {
          removed,
          before: before.toISOString(),
        });
    } catch (error) {
      // Retention is housekeeping: a failed pass is reported and tried again at the next interval.
      this.#fail(error);
    }
  }
}
