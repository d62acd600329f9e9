import type { DeliveryRecord } from '../../../notifier/types.js';
import { definedOnly, insertSql, json, ms, postgresPlaceholder as ph } from '../../sql/codec.js';
import { GroupCommit, type QueuedWrite } from '../../sql/group-commit.js';
import { attemptCodec } from '../../sql/outbox-rows.js';
import type { CompleteAttemptInput } from '../../types.js';
import {
  postgresDialect as dialect,
  type PgExecutor,
  type PgSql,
  type PostgresDatabase,
} from '../database.js';
import { completeOutcomesCall, OUTCOME_PARAMS } from '../migrations/outcomes.js';
import { arrayLiteral, distinctParts, writeAsSet } from '../set-writes.js';
import type { LeasedEndpoints } from './leased-endpoints.js';
import { lockEndpoints, reparkDeliveries } from './parking.js';

/**
 * Attempt results wait up to `turns` turns of the event loop for more before their group is sent (at once
 * when `size` are queued): each call of complete_outcomes() has fixed costs (the round trip, the function's
 * call, the commit and its WAL flush), measured at ~0.5-0.75 ms of backend CPU per call against ~20 µs per
 * result (groups of 16/32/64/128 results in one backend: ~64/40/33/27 µs per result). Results come in as the
 * receivers answer, a few per turn, so a group sent at the next turn held ~30 of them in the webhook
 * benchmark's Postgres round. A result is still acknowledged only once committed; its slot is free meanwhile
 * (the dispatcher frees it when the request is over). `size` is kept under the 80 results the dispatcher lets
 * wait at its default concurrency (8 × 10) before it holds requests back. Under load (results queued while
 * the previous group committed) a group also waits up to `busyMs` after its turns, unless it fills: over HTTP
 * the turns pass quickly between answers, and groups were ~40-50 at one endpoint (16 in flight) against
 * ~60 with instant answers; with the wait, a median of 58 at one endpoint. A lone result on an idle outbox
 * does not wait for it.
 */
const OUTCOME_GATHER = { turns: 8, size: 64, busyMs: 4 };

/** Delivery columns stored as JSON. */
export const DELIVERY_JSON = new Set(['last_error']);
/**
 * Endpoint fields an attempt's outcome may patch, with their columns, encodings and, where the stored value
 * counts too, the SQL of the value set from the parameter.
 */
const ENDPOINT_PATCH: Record<
  string,
  [column: string, encode: (value: never) => unknown, value?: (param: string) => string]
> = {
  failingSince: ['failing_since', (d: Date | null) => d?.getTime() ?? null],
  enabled: ['enabled', (b: boolean) => b],
  disabledReason: ['disabled_reason', (r: string | null) => r],
  disabledAt: ['disabled_at', (d: Date | null) => d?.getTime() ?? null],
  // Always past the stored one (see outcomeStamp in concurrent-change.ts).
  updatedAt: ['updated_at', (d: Date) => d.getTime(), (param) => `GREATEST(${param}, updated_at + 1)`],
};

/**
 * The attempt results of `PostgresOutbox`, group-committed: the attempts that finish together are recorded
 * in one statement (see `#completeMany`), with the endpoint patches they carry in the same transaction.
 */
export class PostgresCompletions {
  readonly #db: PostgresDatabase;
  readonly #t: PostgresDatabase['tables'];
  readonly #endpoints: LeasedEndpoints;
  readonly #updateDelivery: (delivery: DeliveryRecord, tx: PgExecutor) => Promise<void>;
  readonly #completeMany: PgSql;
  readonly #writes = new GroupCommit<CompleteAttemptInput>(
    (group) => this.#completeGroup(group),
    500,
    undefined,
    {
      ...OUTCOME_GATHER,
      mayWait: () => true,
      waiting: () => false,
    },
  );

  /**
   * @param endpoints the endpoint rows the outbox's claims keep, whose rows of patched endpoints are dropped.
   * @param updateDelivery the outbox's single-delivery update, for the one-by-one path.
   */
  constructor(
    db: PostgresDatabase,
    endpoints: LeasedEndpoints,
    updateDelivery: (delivery: DeliveryRecord, tx: PgExecutor) => Promise<void>,
  ) {
    this.#db = db;
    const t = db.tables;
    this.#t = t;
    this.#endpoints = endpoints;
    this.#updateDelivery = updateDelivery;
    // Attempt results of a group in one call (one round trip, one commit) of complete_outcomes (schema version
    // 16, migrations/outcomes.ts): each delivery is updated (its lease released) and its attempt logged only
    // when the delivery still exists; the ids returned tell the callers whose delivery was missing. Attempts go
    // in delivery id order (one per delivery), so `seq` orders each delivery's. The columns go as typed arrays,
    // one parameter each. The ids come back in one row, and only when some delivery was missing: a row per
    // result cost the server its formatting and the client its parsing (~0.5 µs a result) to name deliveries
    // the client already holds.
    this.#completeMany = db.statement(
      `SELECT CASE WHEN count(*) < cardinality($1::text[]) THEN COALESCE(array_agg(o.id), '{}') END AS ids
       FROM (${completeOutcomesCall(db.schema)}) o`,
    );
  }

  complete(input: CompleteAttemptInput): Promise<void> {
    return this.#writes.push<void>(input);
  }

  async #completeGroup(group: QueuedWrite<CompleteAttemptInput>[]): Promise<void> {
    for (const part of distinctParts(group, (input) => input.delivery.id)) {
      const missing: QueuedWrite<CompleteAttemptInput>[] = [];
      await writeAsSet(
        part,
        (inputs) => this.#completeSet(inputs),
        (write, updated) => {
          if (recorded(updated, write.work.delivery.id)) write.resolve(undefined);
          else missing.push(write);
        },
        (input) => this.#completeOne(input),
        true,
      );
      // Not found: gone, or a delivery of a fan-out that no claim or read has written yet, which the
      // one-by-one path writes first (updateDelivery); it fails for one that is gone.
      for (const write of missing) await this.#completeOne(write.work).then(write.resolve, write.reject);
    }
  }

  /** Records the attempts of distinct deliveries at once; says which of them existed (see Recorded). */
  async #completeSet(inputs: CompleteAttemptInput[]): Promise<Recorded> {
    // Endpoints are locked in id order (a stable sort keeps one endpoint's patches in call order), so two
    // instances patching the same endpoints in one transaction each cannot deadlock.
    // Falsy, not undefined: `null` from JavaScript is no change too, as on every adapter (the storage suite).
    const patches = inputs
      .filter((i) => i.endpoint)
      .sort((a, b) => (a.endpoint!.id < b.endpoint!.id ? -1 : a.endpoint!.id > b.endpoint!.id ? 1 : 0));
    // An endpoint disabled (or enabled) by an outcome takes its pending deliveries with it (parking.ts):
    // the endpoints lock is taken first, before any row lock, so waiting for it cannot close a cycle.
    const toggled = [
      ...new Set(patches.filter((i) => i.endpoint!.enabled !== undefined).map((i) => i.endpoint!.id)),
    ];
    const run = async (tx: PgExecutor) => {
      if (toggled.length > 0) await lockEndpoints(tx, this.#db, 'exclusive');
      const { rows } = await tx.query(this.#completeMany, outcomeParams(inputs));
      const ids = rows[0]?.ids as string[] | null | undefined;
      const updated: Recorded = ids === null ? 'all' : new Set(ids);
      for (const input of patches) {
        if (recorded(updated, input.delivery.id)) await this.#patchEndpoint(input.endpoint!, tx);
      }
      if (toggled.length > 0) await reparkDeliveries(tx, this.#db, toggled);
      return updated;
    };
    // Without endpoint changes the statement is its own transaction.
    if (patches.length === 0) return run(this.#db);
    try {
      return await this.#db.transaction(run);
    } finally {
      for (const input of patches) this.#endpoints.forget(input.endpoint!.id);
    }
  }

  /** Sets only the fields the patch holds, so patches applied in turn combine field by field. */
  async #patchEndpoint(patch: NonNullable<CompleteAttemptInput['endpoint']>, tx: PgExecutor): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [patch.id];
    for (const [field, value] of Object.entries(definedOnly(patch))) {
      const mapping = ENDPOINT_PATCH[field];
      if (mapping === undefined) continue;
      params.push(mapping[1](value as never));
      const param = ph(params.length - 1);
      sets.push(`${mapping[0]} = ${mapping[2]?.(param) ?? param}`);
    }
    if (sets.length > 0)
      await tx.query(`UPDATE ${this.#t.endpoints} SET ${sets.join(', ')} WHERE id = $1`, params);
  }

  async #completeOne({ delivery, attempt, endpoint }: CompleteAttemptInput): Promise<void> {
    const toggles = endpoint?.enabled !== undefined;
    await this.#db.transaction(async (tx) => {
      await lockEndpoints(tx, this.#db, toggles ? 'exclusive' : 'shared');
      await this.#updateDelivery({ ...delivery, lockedBy: null, lockedUntil: null }, tx);
      await tx.query(
        insertSql(this.#t.attempts, attemptCodec.columns, ph),
        attemptCodec.encode(attempt, dialect),
      );
      if (endpoint) await this.#patchEndpoint(endpoint, tx);
      if (toggles) await reparkDeliveries(tx, this.#db, [endpoint.id]);
    });
    if (endpoint) this.#endpoints.forget(endpoint.id);
  }
}

/** The deliveries of a group whose results were recorded: all of them, or those named (the others were missing). */
type Recorded = 'all' | ReadonlySet<string>;

function recorded(updated: Recorded, deliveryId: string): boolean {
  return updated === 'all' || updated.has(deliveryId);
}

/**
 * complete_outcomes()' parameters (OUTCOME_PARAMS) for these results, in delivery id order: per column, an
 * array literal with a value per result, encoded as deliveryCodec and attemptCodec encode them.
 */
function outcomeParams(inputs: readonly CompleteAttemptInput[]): string[] {
  const columns: unknown[][] = OUTCOME_PARAMS.map(() => []);
  // In id order, the order the update locks them in: complete_outcomes() sorts them itself since schema version
  // 19; that of a version 17 or 18 schema locks them in the order sent.
  const sorted = [...inputs].sort((x, y) =>
    x.delivery.id < y.delivery.id ? -1 : x.delivery.id > y.delivery.id ? 1 : 0,
  );
  for (const { delivery: d, attempt: a } of sorted) {
    const values = [
      d.id,
      d.status,
      d.attempts,
      ms(d.nextAttemptAt),
      ms(d.lastAttemptAt),
      d.lastStatusCode,
      json(d.lastError),
      ms(d.updatedAt),
      // The attempt's row: OUTCOME_PARAMS' p_attempt_* are in attemptCodec's column order.
      ...attemptCodec.encode(a, dialect),
    ];
    for (let c = 0; c < values.length; c++) columns[c]!.push(values[c]);
  }
  return columns.map(arrayLiteral);
}
