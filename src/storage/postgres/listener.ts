import type pg from 'pg';
import type { StorageChange } from '../types.js';

type Listener = (change: StorageChange) => void;

const RECONNECT_DELAY_MS = 1_000;

/**
 * Holds one pooled connection in `LISTEN` while anyone is subscribed and fans notifications out to the
 * listeners. When that connection breaks it reconnects, then tells every listener that anything may have
 * changed, since notifications sent meanwhile are lost.
 */
export class PostgresListener {
  readonly #pool: pg.Pool;
  readonly #channel: string;
  readonly #listeners = new Set<Listener>();
  #client: pg.PoolClient | undefined;
  #connecting: Promise<void> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(pool: pg.Pool, channel: string) {
    this.#pool = pool;
    this.#channel = channel;
  }

  async subscribe(listener: Listener): Promise<() => void> {
    // A fresh function per call, so the same listener subscribed twice is unsubscribed independently.
    const entry: Listener = (change) => listener(change);
    this.#listeners.add(entry);
    try {
      await this.#connect();
    } catch (error) {
      this.#listeners.delete(entry);
      throw error;
    }
    return () => {
      this.#listeners.delete(entry);
      if (this.#listeners.size === 0) this.#disconnect();
    };
  }

  #connect(): Promise<void> {
    if (this.#client || this.#closed) return Promise.resolve();
    this.#connecting ??= (async () => {
      const client = await this.#pool.connect();
      client.on('notification', (message) => {
        if (message.channel === this.#channel) this.#emit(message.payload as StorageChange);
      });
      client.on('error', () => this.#lost(client));
      try {
        await client.query(`LISTEN "${this.#channel}"`);
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      this.#client = client;
      if (this.#closed || this.#listeners.size === 0) this.#disconnect();
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #emit(change: StorageChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the others still hear about the change.
      }
    }
  }

  #lost(client: pg.PoolClient): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.release(new Error('LISTEN connection lost'));
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#listeners.size === 0 || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect().then(
        () => {
          this.#emit('jobs');
          this.#emit('deliveries');
        },
        () => this.#scheduleReconnect(),
      );
    }, RECONNECT_DELAY_MS);
    this.#retry.unref();
  }

  #disconnect(): void {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    // Destroyed rather than returned to the pool, so its LISTEN and our handlers go with it.
    client?.release(true);
  }

  /** Stops listening for good. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#connecting?.catch(() => {});
    this.#disconnect();
  }
}
