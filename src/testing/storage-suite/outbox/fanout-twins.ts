import { expect } from 'vitest';
import { newId } from '../../../notifier/ids.js';
import type { DeliveryRecord, EndpointRecord, Message } from '../../../notifier/types.js';
import { fanoutDeliveries } from '../../../storage/fanout.js';
import type { Storage } from '../../../storage/types.js';
import type { SuiteContext } from '../context.js';
import { at, message } from '../fixtures.js';

export const LEASE = 30_000;

/**
 * Two storages of the adapter under test, written alike except for how a fan-out is stored: `fan` takes it
 * with `insertFanout`, `ref` with `insertMessage` and the records `fanoutDeliveries` derives. The contract is
 * that no call can tell them apart, so every read is made on both and must answer alike.
 */
export class FanoutTwins {
  constructor(
    readonly fan: Storage,
    readonly ref: Storage,
  ) {}

  /** The twins of the running test, or the test is reported as skipped when the adapter has no insertFanout. */
  static async of(ctx: SuiteContext, skip: () => void): Promise<FanoutTwins> {
    if (ctx.storage.insertFanout === undefined) skip();
    const ref = await ctx.fresh();
    await ref.migrate();
    return new FanoutTwins(ctx.storage, ref);
  }

  async endpoints(...endpoints: EndpointRecord[]): Promise<void> {
    for (const e of endpoints) {
      await this.fan.insertEndpoint(e);
      await this.ref.insertEndpoint(e);
    }
  }

  /** `message` fanned out to `endpointIds`, first due at `due`; returns the records insertMessage got. */
  async fanout(message: Message, endpointIds: string[], due: Date): Promise<DeliveryRecord[]> {
    await this.fan.insertFanout!({ message, endpointIds, nextAttemptAt: due });
    const deliveries = fanoutDeliveries(message, endpointIds, due);
    await this.ref.insertMessage({ message, deliveries });
    return deliveries;
  }

  /** A message stored with its own delivery records on both. */
  async insertMessage(message: Message, deliveries: DeliveryRecord[]): Promise<void> {
    await this.fan.insertMessage({ message, deliveries });
    await this.ref.insertMessage({ message, deliveries });
  }

  /** Makes the call on both (`fan` first), expects the same answer, and returns it. */
  async same<T>(call: (storage: Storage) => Promise<T>): Promise<T> {
    const fan = await call(this.fan);
    const ref = await call(this.ref);
    expect(fan).toEqual(ref);
    return fan;
  }

  /**
   * A claim on both: the same deliveries, leased alike, oldest due first. Which of several deliveries due at
   * the same instant come first is the adapter's choice, so they are compared in (due, id) order.
   */
  async claim(offsetMs: number, limit = 100, instanceId = 'i', excludeEndpointIds?: string[]) {
    const options = {
      now: at(offsetMs),
      limit,
      instanceId,
      leaseMs: LEASE,
      ...(excludeEndpointIds ? { excludeEndpointIds } : {}),
    };
    const fan = await this.fan.claimDeliveries(options);
    const ref = await this.ref.claimDeliveries(options);
    expect(dues(fan)).toEqual([...dues(fan)].sort((a, b) => a - b));
    expect(byDue(fan)).toEqual(byDue(ref));
    return byDue(fan);
  }
}

const dues = (list: DeliveryRecord[]) => list.map((d) => d.nextAttemptAt!.getTime());

/** Deliveries in (due, id) order. */
export function byDue(list: DeliveryRecord[]): DeliveryRecord[] {
  return [...list].sort(
    (a, b) =>
      a.nextAttemptAt!.getTime() - b.nextAttemptAt!.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** A message with a generated id (fanned-out deliveries derive theirs from it), created at `offsetMs`. */
export function fanMessage(offsetMs: number, overrides: Partial<Message> = {}): Message {
  return message(newId('msg', at(offsetMs).getTime()), { createdAt: at(offsetMs), ...overrides });
}

export const ids = (list: { id: string }[]): string[] => list.map((d) => d.id);
