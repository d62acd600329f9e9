import type { DeliveryRecord, Message } from '../../notifier/types.js';
import { fanoutDeliveries } from '../fanout.js';
import { messageCodec } from '../sql/outbox-rows.js';
import type { ClaimDeliveriesOptions, FanoutInput } from '../types.js';
import { sqliteDialect as dialect, type SqliteConnection, type SqlRow } from './connection/connection.js';
import { type FanoutRecords, writeFanoutRecords } from './fanout-records.js';
import { RUN_LIMIT } from './statements.js';

/**
 * Fan-outs not written yet (schema version 9), as one statement's subquery: the earliest first due time of
 * those that go to at least one enabled endpoint, as `nextDeliveryAt` counts their deliveries.
 */
export const NEXT_FANOUT_DUE = `SELECT m.fanout_due FROM cronhook_messages m WHERE m.fanout IS NOT NULL
  AND EXISTS (SELECT 1 FROM json_each(m.fanout) j JOIN cronhook_endpoints e ON e.id = j.value WHERE e.enabled = 1)
  ORDER BY m.fanout_due LIMIT 1`;

/** Fan-outs not written yet: their deliveries (all pending) and the oldest's creation, for `stats()`. */
export const FANOUT_PENDING = `SELECT total(json_array_length(fanout)) AS n, min(created_at) AS oldest
  FROM cronhook_messages WHERE fanout IS NOT NULL`;

const INSERT_FANOUT = `INSERT INTO cronhook_messages (${messageCodec.columns.join(', ')}, fanout, fanout_due)
  VALUES (${messageCodec.columns.map(() => '?').join(', ')}, ?, ?)`;
const ANY = 'SELECT 1 AS found FROM cronhook_messages WHERE fanout IS NOT NULL LIMIT 1';
const ALL = 'SELECT * FROM cronhook_messages WHERE fanout IS NOT NULL ORDER BY fanout_due, id';
const ONE = 'SELECT * FROM cronhook_messages WHERE id = ? AND fanout IS NOT NULL';
/** A derived delivery id holds its message id but for the last 4 characters: the messages it can be of. */
const BY_PREFIX = 'SELECT * FROM cronhook_messages WHERE id >= ? AND id < ? AND fanout IS NOT NULL';
const TO_ENDPOINT = `SELECT * FROM cronhook_messages m WHERE m.fanout IS NOT NULL
  AND EXISTS (SELECT 1 FROM json_each(m.fanout) j WHERE j.value = ?) ORDER BY m.fanout_due, m.id`;
const DUE_PAGE = `SELECT * FROM cronhook_messages WHERE fanout IS NOT NULL AND fanout_due <= ?
  AND (fanout_due, id) > (?, ?) ORDER BY fanout_due, id ${RUN_LIMIT}`;

/**
 * A claim that writes fan-outs writes at least this many records (of the fan-outs due, while there are some),
 * those it does not take pending: what makes writing records dear is the pages of the per-endpoint index, one
 * per endpoint at each commit, and a claim takes few deliveries (the notifier's free slots), so later claims
 * take the rest from the stored rows. Measured at 50 endpoints and claims of 16, with attempts completed:
 * ~100 µs of CPU per delivery writing only the fan-outs a claim needs, ~75 writing ~500 records at a time.
 * Since records go several rows per statement into ascending indexes (schema version 10), what a commit
 * writes once whatever its size is most of the rest: records alone, 1,000 per commit cost ~5-5.5 µs and
 * 1.3 KB of WAL each against ~6.6-6.8 µs and 2.1 KB at 500; a claim of 1,024 holds the write about as long
 * as one of 512 did one row per statement (~5 ms).
 */
const WRITE_AT_LEAST = 1024;

/**
 * A stored pending delivery a claim may take: its rowid and wake time, then its row's columns (`deliveryCodec`'s
 * order, the id first). Claim order needs the first three; the lease makes its record from the columns.
 */
export type Claimable = [rowid: number, wakeAt: number, id: string, ...columns: unknown[]];

/** What a claim takes, in claim order: a stored pending row to lease, or a record written already leased. */
export type Claimed =
  | { stored: Claimable; record?: undefined }
  | { stored?: undefined; record: DeliveryRecord };

/** Which fan-outs a read needs written first: all, one message's, or a delivery's (by its derived id). */
export type FanoutScope = { all: true } | { messageId: string } | { deliveryId: string } | null;

interface Endpoint {
  enabled: boolean;
}

/**
 * The compact form of `insertFanout` on SQLite: the message row carries its endpoint ids and first due time
 * (`fanout`, `fanout_due`) until its delivery records are written, once, in the write transaction that
 * clears them, so that with several processes on the file each record is written by one of them.
 *
 * Records are written where it costs least: by the claim that first reaches the fan-out (those it takes
 * are written already leased, saving the lease's rewrite of a pending row), and before anything reads or
 * changes the records (a read first probes the partial index, and writes only when a fan-out is there).
 * Counts (`stats()`) and the next due time read the compact form as it is.
 */
export class SqliteFanout {
  readonly #c: SqliteConnection;
  /**
   * `PRAGMA data_version` at which the file was seen holding no fan-out, none stored by this connection
   * since; null when not known. While it is current, claims and reads skip looking for fan-outs: most stores
   * never hold one (a message to one endpoint is stored as its record), and the look cost every claim a
   * statement. Another process storing a fan-out changes the version; this connection's own insert clears it.
   */
  #noneAt: number | null = null;

  constructor(connection: SqliteConnection) {
    this.#c = connection;
  }

  /** Stores the message with its fan-out: one row. Inside a write. */
  insert({ message, endpointIds, nextAttemptAt }: FanoutInput): void {
    this.#noneAt = null;
    this.#c.run(INSERT_FANOUT, [
      ...messageCodec.encode(message, dialect),
      JSON.stringify(endpointIds),
      nextAttemptAt.getTime(),
    ]);
  }

  /**
   * Runs `read` once the fan-outs in `scope` are written: at once when there is none (one index probe),
   * else in a write that writes them first. A write that only turns the compact form into records needs no
   * flush of its own (lost in a power cut, the fan-out is still there): it resolves as a claim does.
   */
  read<T>(scope: FanoutScope, read: () => T): T | Promise<T> {
    if (scope === null || !this.#mayHold(this.#c.dataVersion()) || this.#find(scope, false).length === 0)
      return read();
    return this.#c.write(() => {
      this.writeScope(scope);
      return read();
    }, 'claim');
  }

  /** Writes the records of the fan-outs in `scope`; returns how many fan-outs it wrote. Inside a write. */
  writeScope(scope: FanoutScope): number {
    if (scope === null || !this.#mayHold(this.#c.versionInWrite())) return 0;
    const endpoints = this.#endpoints();
    const rows = this.#find(scope, true);
    this.#insert(records(rows), endpoints);
    return rows.length;
  }

  /** Writes the records of the fan-outs that list `endpointId` (before it is deleted). Inside a write. */
  writeTo(endpointId: string): void {
    if (!this.#mayHold(this.#c.versionInWrite())) return;
    const endpoints = this.#endpoints();
    this.#insert(records(this.#c.all(TO_ENDPOINT, [endpointId])), endpoints);
  }

  /**
   * Whether fan-outs may be stored, as of data version `version` (this connection's current one): false
   * when known to be none, else one probe of the partial index, whose "none" is remembered.
   */
  #mayHold(version: number): boolean {
    if (this.#noneAt === version) return false;
    if (this.#c.get(ANY) !== undefined) {
      this.#noneAt = null;
      return true;
    }
    this.#noneAt = version;
    return false;
  }

  #find(scope: NonNullable<FanoutScope>, rows: boolean): SqlRow[] {
    if ('messageId' in scope) return this.#c.all(ONE, [scope.messageId]);
    if ('deliveryId' in scope) {
      const id = scope.deliveryId;
      // dlv_ + the message id's characters 4..21 + 4 digits of index (fanoutDeliveryId).
      if (!id.startsWith('dlv_') || id.length !== 4 + 18 + 4) return [];
      const prefix = `msg_${id.slice(4, -4)}`;
      return this.#c.all(BY_PREFIX, [prefix, `${prefix}\u007f`]);
    }
    return rows ? this.#c.all(ALL) : this.#c.all(ANY);
  }

  /**
   * The claim's share of fan-outs: takes `stored` (the claimable pending rows, in claim order, at most
   * `limit`) and the due fan-outs, in (due time, id) order, writes the records of as many fan-outs as can
   * hold deliveries the claim takes, and of more up to {@link WRITE_AT_LEAST} records (those it takes
   * already leased, the others pending), and returns the
   * `limit` first of both in claim order. A fan-out not written sorts after every record of those written
   * (due later, or at the same time with a greater id), so it cannot hold one of the first `limit`.
   * Inside the claim's write; `messages` receives the messages whose records were written.
   */
  claim(
    stored: Claimable[],
    { now, limit, instanceId, leaseMs, excludeEndpointIds }: ClaimDeliveriesOptions,
    messages: Message[],
  ): Claimed[] {
    if (limit <= 0 || !this.#mayHold(this.#c.versionInWrite())) return stored.map((row) => ({ stored: row }));
    // Fan-outs due after the last stored row that fills the claim cannot hold one it takes.
    const last = stored.length >= limit ? stored.at(-1) : undefined;
    const until = last === undefined ? now.getTime() : last[1];
    const lockedUntil = now.getTime() + leaseMs;
    const excluded = new Set(excludeEndpointIds);
    const endpoints = this.#endpoints();
    const fanouts: FanoutRecords[] = [];
    const candidates: DeliveryRecord[] = [];
    let after: [number, string] = [Number.MIN_SAFE_INTEGER, ''];
    let written = 0;
    const enough = () => candidates.length >= limit && written >= WRITE_AT_LEAST;
    // A fan-out usually holds several deliveries: a few rows at a time, each a message with its body.
    let size = 2;
    while (limit > 0 && !enough()) {
      const page = this.#c.all(DUE_PAGE, [until, ...after, size]);
      for (const row of page) {
        const message = messageCodec.decode(row, dialect);
        const endpointIds = JSON.parse(String(row.fanout)) as string[];
        const records = fanoutDeliveries(message, endpointIds, new Date(Number(row.fanout_due)));
        fanouts.push({ row, records });
        written += records.length;
        messages.push(message);
        for (const record of records) {
          if (endpoints(record.endpointId)?.enabled && !excluded.has(record.endpointId))
            candidates.push(record);
        }
        if (enough()) break;
      }
      if (page.length < size) break;
      const end = page.at(-1)!;
      after = [Number(end.fanout_due), String(end.id)];
      size = Math.min(size * 2, 64);
    }
    if (fanouts.length === 0) return stored.map((row) => ({ stored: row }));
    // Both lists are in claim order (wake time, id): merge the first `limit`.
    const taken: Claimed[] = [];
    let i = 0;
    let j = 0;
    while (taken.length < limit && (i < stored.length || j < candidates.length)) {
      const row = stored[i];
      const record = candidates[j];
      if (record === undefined || (row !== undefined && compare(row[1], row[2], record) < 0)) {
        taken.push({ stored: row! });
        i++;
      } else {
        record.lockedBy = instanceId;
        record.lockedUntil = new Date(lockedUntil);
        taken.push({ record });
        j++;
      }
    }
    this.#insert(fanouts, endpoints);
    return taken;
  }

  #insert(fanouts: Iterable<FanoutRecords>, endpoints: (id: string) => Endpoint | null): void {
    writeFanoutRecords(this.#c, fanouts, (id) => endpoints(id)?.enabled ?? null);
  }

  /** Endpoints' state as this transaction sees them, each read once. */
  #endpoints(): (id: string) => Endpoint | null {
    const seen = new Map<string, Endpoint | null>();
    return (id) => {
      let endpoint = seen.get(id);
      if (endpoint === undefined) {
        const row = this.#c.get('SELECT enabled FROM cronhook_endpoints WHERE id = ?', [id]);
        endpoint = row ? { enabled: Number(row.enabled) === 1 } : null;
        seen.set(id, endpoint);
      }
      return endpoint;
    };
  }
}

/** The records of fan-outs as a read or a deletion writes them, all pending: made one fan-out at a time. */
function* records(rows: SqlRow[]): Generator<FanoutRecords> {
  for (const row of rows) {
    const message = messageCodec.decode(row, dialect);
    const endpointIds = JSON.parse(String(row.fanout)) as string[];
    yield { row, records: fanoutDeliveries(message, endpointIds, new Date(Number(row.fanout_due))) };
  }
}

/** Claim order of a stored row against a record: wake time, then id (SQLite compares text bytewise). */
function compare(wake: number, id: string, record: DeliveryRecord): number {
  const other = record.nextAttemptAt!.getTime();
  if (wake !== other) return wake - other;
  return id < record.id ? -1 : id > record.id ? 1 : 0;
}
