import type { EndpointRecord } from '../../notifier/types.js';
import { cloneEndpoint } from '../clone.js';
import { duplicateEndpoint, notFound } from '../errors.js';
import { insertSql, sqlitePlaceholder as ph, setSql } from '../sql/codec.js';
import { endpointCodec } from '../sql/outbox-rows.js';
import { sqliteDialect as dialect, type SqliteConnection } from './connection/connection.js';
import { SqliteFanout } from './fanout.js';
import { ENDPOINTS_LISTED, RecordCache } from './read-cache.js';

const INSERT_ENDPOINT = `${insertSql('cronhook_endpoints', endpointCodec.columns, ph)} ON CONFLICT (id) DO NOTHING`;
const ENDPOINT_SET = setSql(endpointCodec.columns.slice(1), ph);

const decodeEndpoint = (row: Record<string, unknown>) => endpointCodec.decode(row, dialect);

/**
 * The endpoints of `SqliteStorage`'s outbox (`SqliteOutbox` adds messages and deliveries). Reads are
 * synchronous; writes are group-committed (`SqliteConnection.write`).
 */
export class SqliteEndpoints {
  protected readonly c: SqliteConnection;
  /** Endpoints and messages as last read (see RecordCache): each attempt reads both. */
  protected readonly cache: RecordCache;
  /** Fan-outs kept compact until their delivery records are needed. */
  protected readonly fanout: SqliteFanout;
  readonly #loadEndpoint = (id: string) => this.readEndpoint(id);
  readonly #loadEndpointList = () => {
    const rows = this.c.all('SELECT * FROM cronhook_endpoints ORDER BY created_at, id LIMIT ?', [
      ENDPOINTS_LISTED + 1,
    ]);
    return rows.length > ENDPOINTS_LISTED ? null : rows.map(decodeEndpoint);
  };

  constructor(connection: SqliteConnection) {
    this.c = connection;
    this.cache = new RecordCache(connection);
    this.fanout = new SqliteFanout(connection);
  }

  insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.c.write(() => {
      this.cache.forgetEndpoint(endpoint.id);
      if (this.c.run(INSERT_ENDPOINT, endpointCodec.encode(endpoint, dialect)) === 0) {
        throw duplicateEndpoint(endpoint.id);
      }
    });
  }

  updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.c.write(() => this.updateEndpointRow(endpoint, this.readEndpoint(endpoint.id)?.enabled));
  }

  replaceEndpoint(endpoint: EndpointRecord, expectedUpdatedAt: Date): Promise<boolean> {
    return this.c.write(() => {
      const stored = this.readEndpoint(endpoint.id);
      if (stored?.updatedAt.getTime() !== expectedUpdatedAt.getTime()) return false;
      this.updateEndpointRow(endpoint, stored.enabled);
      return true;
    });
  }

  /**
   * Inside a write.
   * @param wasEnabled the endpoint's stored `enabled` before this update (undefined: not stored). */
  protected updateEndpointRow(endpoint: EndpointRecord, wasEnabled: boolean | undefined): void {
    this.cache.forgetEndpoint(endpoint.id);
    const [id, ...values] = endpointCodec.encode(endpoint, dialect);
    if (this.c.run(`UPDATE cronhook_endpoints SET ${ENDPOINT_SET} WHERE id = ?`, [...values, id]) === 0) {
      throw notFound('endpoint', endpoint.id);
    }
    // Disabled, its pending deliveries are parked; enabled again, unparked. Only then: this reads every
    // delivery the endpoint has, and most updates (a failing streak starting or ending) leave it as it was.
    if (wasEnabled !== undefined && wasEnabled !== endpoint.enabled) {
      const parked = endpoint.enabled ? 0 : 1;
      this.c.run(
        "UPDATE cronhook_deliveries SET parked = ? WHERE endpoint_id = ? AND status = 'pending' AND parked <> ?",
        [parked, endpoint.id, parked],
      );
    }
  }

  getEndpoint(id: string): EndpointRecord | null {
    return this.cache.endpoint(id, this.#loadEndpoint);
  }

  protected readEndpoint(id: string): EndpointRecord | null {
    const row = this.c.get('SELECT * FROM cronhook_endpoints WHERE id = ?', [id]);
    return row ? decodeEndpoint(row) : null;
  }

  listEndpoints(options: { limit?: number; after?: string } = {}): EndpointRecord[] {
    const limit = options.limit ?? 100;
    const all = this.cache.endpointList(this.#loadEndpointList);
    if (all !== null) {
      // As the statement below: after an id not stored, from the first.
      const start = options.after === undefined ? 0 : all.findIndex((e) => e.id === options.after) + 1;
      return all.slice(start, start + limit).map(cloneEndpoint);
    }
    const after =
      options.after === undefined
        ? undefined
        : this.c.get('SELECT created_at, id FROM cronhook_endpoints WHERE id = ?', [options.after]);
    const rows = after
      ? this.c.all(
          `SELECT * FROM cronhook_endpoints WHERE created_at > ? OR (created_at = ? AND id > ?)
           ORDER BY created_at, id LIMIT ?`,
          [after.created_at, after.created_at, after.id, limit],
        )
      : this.c.all('SELECT * FROM cronhook_endpoints ORDER BY created_at, id LIMIT ?', [limit]);
    return rows.map(decodeEndpoint);
  }

  deleteEndpoint(id: string): Promise<boolean> {
    return this.c.write(() => {
      this.cache.forgetEndpoint(id);
      // Its deliveries not written yet go with it: written first, then deleted as the others.
      this.fanout.writeTo(id);
      this.c.run(
        `DELETE FROM cronhook_attempts WHERE delivery_id IN
           (SELECT id FROM cronhook_deliveries WHERE endpoint_id = ? AND status = 'pending')`,
        [id],
      );
      this.c.run("DELETE FROM cronhook_deliveries WHERE endpoint_id = ? AND status = 'pending'", [id]);
      return this.c.run('DELETE FROM cronhook_endpoints WHERE id = ?', [id]) > 0;
    });
  }
}
