import { fanoutKey } from '../../../notifier/ids.js';
import type { DeliveryRecord } from '../../../notifier/types.js';
import type { DeliveryEntry } from './delivery-entry.js';
import { DeliveredFanout } from './fanout/delivered-fanout.js';
import type { FanoutGroup, FanoutGroups } from './fanout/fanout-groups.js';
import { FinishedDeliveries, type OldDelivery } from './finished-deliveries.js';
import { MessageTally } from './message-tally.js';

/** What {@link DeliveryRetention} needs of `DeliveryTable`. */
export interface RetainedTable {
  /** The fan-outs' groups of the table. */
  readonly fanouts: FanoutGroups;
  /** Whether the entry is one `insert` stored (not one in a fan-out's group). */
  inserted(entry: DeliveryEntry): boolean;
  /** Deletes a stored entry; true when it was the last one `insert` stored of its message. */
  remove(entry: DeliveryEntry): boolean;
  /** Every stored delivery's record, to be read only. */
  records(): Iterable<DeliveryRecord>;
}

/**
 * Retention of `DeliveryTable` (`MemoryStorage.pruneDeliveries`): the finished deliveries in `updatedAt` order
 * ({@link FinishedDeliveries}), and what says a message is left without deliveries ({@link MessageTally}, and
 * its fan-out's group), kept up as deliveries are stored and written: so a pass costs what it deletes, not a
 * walk of the delivery log at each start of the notifier and every hour.
 */
export class DeliveryRetention {
  readonly #table: RetainedTable;
  readonly #finished = new FinishedDeliveries();
  readonly #messages = new MessageTally();

  constructor(table: RetainedTable) {
    this.#table = table;
  }

  /** `insert` stored these deliveries. */
  stored(entries: readonly DeliveryEntry[]): void {
    for (const entry of entries) this.#finished.index(entry);
    this.#messages.stored(entries);
  }

  /** A stored delivery's record was written, or it was made whole again (it is the stored entry now). */
  written(entry: DeliveryEntry): void {
    this.#finished.index(entry);
    this.#messages.written(entry);
  }

  /** A fanned-out delivery of `group` that succeeded is kept compact. */
  delivered(group: FanoutGroup, delivered: DeliveredFanout): void {
    this.#finished.delivered(group, delivered);
  }

  /** A delivery `insert` stored was removed: true when it was its message's last one. */
  removed(entry: DeliveryEntry): boolean {
    return this.#messages.removed(entry);
  }

  /**
   * Deletes the finished deliveries updated before `cutoff` (ms), oldest first, at most `limit` (see
   * {@link FinishedDeliveries.oldest}). Returns how many went and the ids of their messages left with no
   * stored delivery.
   */
  prune(cutoff: number, limit: number): { count: number; emptied: string[] } {
    const old = this.#finished.oldest(cutoff, limit);
    if (this.#messages.renamed) return { count: old.length, emptied: this.#pruneWalking(old) };
    const table = this.#table;
    const emptied: string[] = [];
    // Fanned-out ones' messages, with their group's key: looked for in their groups once all are deleted.
    const fanned = new Map<string, string>();
    for (const { id, item } of old) {
      if (item instanceof DeliveredFanout) {
        table.fanouts.remove(id, item);
        fanned.set(item.message.id, fanoutKey(id));
      } else if (table.inserted(item)) {
        if (table.remove(item)) emptied.push(item.message.id);
      } else {
        table.remove(item);
        fanned.set(item.record.messageId, fanoutKey(item.record.id));
      }
    }
    for (const [messageId, key] of fanned)
      if (!table.fanouts.holdsMessage(key, messageId)) emptied.push(messageId);
    return { count: old.length, emptied };
  }

  /**
   * {@link prune} once a record named another message than its own: the messages the deleted records name,
   * but those some stored record names (a walk of every stored delivery, as no count can tell).
   */
  #pruneWalking(old: readonly OldDelivery[]): string[] {
    const touched = new Set<string>();
    for (const { id, item } of old) {
      if (item instanceof DeliveredFanout) {
        this.#table.fanouts.remove(id, item);
        touched.add(item.message.id);
      } else {
        this.#table.remove(item);
        touched.add(item.record.messageId);
      }
    }
    if (touched.size > 0) for (const record of this.#table.records()) touched.delete(record.messageId);
    return [...touched];
  }
}
