import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

/** What the database did during a measured phase, read from its statistics views and /proc. */
export interface DbCost {
  /** Statements sent by cronhook (top-level, `pg_stat_statements`). */
  statements: number;
  /** Rows inserted, updated and deleted in cronhook's tables (`pg_stat_user_tables`). */
  rowsInserted: number;
  rowsUpdated: number;
  /** Of the updates, how many were HOT (no index entry written). */
  hotUpdates: number;
  rowsDeleted: number;
  /** WAL written by the whole server (`pg_stat_wal`): records, full-page images, bytes. */
  walRecords: number;
  walFpi: number;
  walBytes: number;
  /** Execution time of cronhook's statements on the server (`pg_stat_statements`), ms. */
  execMs: number;
  /** CPU time of every server process (backends, WAL writer, checkpointer, autovacuum), ms. */
  serverCpuMs: number;
  /**
   * `serverCpuMs` by process kind (`backend`, `walwriter`, `autovacuum`, `checkpointer`, `background writer`,
   * `exited` for processes that ended in the phase, ...), ms: says whether a phase's server CPU is the
   * statements' own or the server's background work.
   */
  serverCpuByKind: Record<string, number>;
  /** The statements that took the most time, with their calls and time, ms (query text cut short). */
  topStatements: Array<{ query: string; calls: number; execMs: number }>;
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** The postmaster's children as /proc shows them (a child that has exited but is not reaped yet included). */
function serverProcesses(postmasterPid: number): Array<{ pid: number; fields: string[] }> {
  const out: Array<{ pid: number; fields: string[] }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command (which may hold spaces) in parentheses: state ppid ... utime(14) stime(15)
    // cutime(16) cstime(17).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    if (pid === postmasterPid || Number(fields[1]) === postmasterPid) out.push({ pid, fields });
  }
  return out;
}

/** What a server process is, from its title (`postgres: walwriter`, `postgres: user db 127.0.0.1(5) idle`). */
function processKind(pid: number, postmasterPid: number): string {
  if (pid === postmasterPid) return 'postmaster';
  let title: string;
  try {
    title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return 'exited';
  }
  const name = title.replace(/^postgres:\s*/, '');
  for (const kind of ['walwriter', 'autovacuum', 'checkpointer', 'background writer', 'logical replication'])
    if (name.startsWith(kind)) return kind;
  return 'backend';
}

/**
 * Each server process's user + system CPU ticks. The postmaster's cutime/cstime hold what its exited children
 * (backends of closed connections) used once it has reaped them: kept under the key -1, as `exited`.
 */
function ticksByProcess(postmasterPid: number): Map<number, { kind: string; ticks: number }> {
  const out = new Map<number, { kind: string; ticks: number }>();
  for (const { pid, fields } of serverProcesses(postmasterPid)) {
    out.set(pid, { kind: processKind(pid, postmasterPid), ticks: Number(fields[11]) + Number(fields[12]) });
    if (pid === postmasterPid)
      out.set(-1, { kind: 'exited', ticks: Number(fields[13]) + Number(fields[14]) });
  }
  return out;
}

/** CPU used between two {@link ticksByProcess} readings, ms by process kind. */
function cpuByKind(
  before: Map<number, { kind: string; ticks: number }>,
  after: Map<number, { kind: string; ticks: number }>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, { kind, ticks }] of after) {
    const used = ticks - (before.get(pid)?.ticks ?? 0);
    if (used > 0) out[kind] = (out[kind] ?? 0) + (used / TICKS_PER_SECOND) * 1000;
  }
  // A process that exited in the phase is in the postmaster's reaped total with its whole life: take off what
  // it had used before the phase.
  for (const [pid, { ticks }] of before)
    if (pid !== -1 && !after.has(pid)) out.exited = (out.exited ?? 0) - (ticks / TICKS_PER_SECOND) * 1000;
  return out;
}

/**
 * Waits (up to 10 s) until every server process started since `before` is gone from /proc, i.e. reaped by
 * the postmaster: until then a closed connection's backend is still exiting, and its CPU would be counted
 * in the next phase rather than in the one that used it.
 */
async function childrenReaped(postmasterPid: number, before: Set<number>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (serverProcesses(postmasterPid).every(({ pid }) => before.has(pid))) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Measures phases on a server started with `pg_stat_statements` loaded (see `startBenchPostgres`): each
 * {@link measure} resets the statistics, runs the phase, and returns the deltas for tables of `schema`. A
 * phase must close the connections it used: a backend reports its table and WAL counts when it exits (an
 * idle one only every 10 s).
 */
export class PgCostMeter {
  readonly #client: pg.Client;
  readonly #pid: number;
  readonly #schema: string;

  private constructor(client: pg.Client, pid: number, schema: string) {
    this.#client = client;
    this.#pid = pid;
    this.#schema = schema;
  }

  static async open(url: string, postmasterPid: number, schema: string): Promise<PgCostMeter> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    return new PgCostMeter(client, postmasterPid, schema);
  }

  async measure(phase: () => Promise<void>): Promise<DbCost> {
    const c = this.#client;
    await c.query('SELECT pg_stat_statements_reset()');
    await c.query("SELECT pg_stat_reset_shared('wal')");
    await c.query('SELECT pg_stat_reset()');
    const running = new Set(serverProcesses(this.#pid).map(({ pid }) => pid));
    const byProcessBefore = ticksByProcess(this.#pid);
    await phase();
    // The phase closed its connections: their backends report their counts as they exit, and their CPU
    // reaches the postmaster's once they are reaped.
    await childrenReaped(this.#pid, running);
    const byKind = cpuByKind(byProcessBefore, ticksByProcess(this.#pid));
    const cpu = Object.values(byKind).reduce((sum, ms) => sum + ms, 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const statements = await c.query(
      `SELECT COALESCE(SUM(calls), 0) AS calls, COALESCE(SUM(total_exec_time), 0) AS ms
       FROM pg_stat_statements WHERE toplevel AND query NOT LIKE '%pg_stat%' AND query <> 'BEGIN'
         AND query <> 'COMMIT' AND query <> 'ROLLBACK'`,
    );
    const top = await c.query(
      `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 80) AS query, calls, total_exec_time AS ms
       FROM pg_stat_statements WHERE toplevel AND query NOT LIKE '%pg_stat%'
       ORDER BY total_exec_time DESC LIMIT 4`,
    );
    const tables = await c.query(
      `SELECT COALESCE(SUM(n_tup_ins), 0) AS ins, COALESCE(SUM(n_tup_upd), 0) AS upd,
         COALESCE(SUM(n_tup_hot_upd), 0) AS hot, COALESCE(SUM(n_tup_del), 0) AS del
       FROM pg_stat_user_tables WHERE schemaname = $1`,
      [this.#schema],
    );
    const wal = await c.query('SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal');
    const s = statements.rows[0];
    const t = tables.rows[0];
    const w = wal.rows[0];
    return {
      statements: Number(s.calls),
      rowsInserted: Number(t.ins),
      rowsUpdated: Number(t.upd),
      hotUpdates: Number(t.hot),
      rowsDeleted: Number(t.del),
      walRecords: Number(w.wal_records),
      walFpi: Number(w.wal_fpi),
      walBytes: Number(w.wal_bytes),
      execMs: Math.round(Number(s.ms) * 10) / 10,
      serverCpuMs: Math.round(cpu),
      serverCpuByKind: Object.fromEntries(Object.entries(byKind).map(([kind, ms]) => [kind, Math.round(ms)])),
      topStatements: top.rows.map((row) => ({
        query: String(row.query),
        calls: Number(row.calls),
        execMs: Math.round(Number(row.ms) * 10) / 10,
      })),
    };
  }

  /** Bytes on disk of cronhook's tables (with indexes and TOAST) and their rows. */
  async tableSizes(tables: string[]): Promise<Record<string, { bytes: number; rows: number }>> {
    const sizes: Record<string, { bytes: number; rows: number }> = {};
    for (const table of tables) {
      const name = `"${this.#schema}".${table}`;
      const { rows } = await this.#client.query(
        `SELECT pg_total_relation_size($1::regclass) AS bytes, (SELECT count(*) FROM ${name}) AS rows`,
        [name],
      );
      sizes[table] = { bytes: Number(rows[0].bytes), rows: Number(rows[0].rows) };
    }
    return sizes;
  }

  /**
   * Drops the measured schema. A phase's dead rows (a prune deletes every delivery) are otherwise vacuumed by
   * autovacuum whenever it next looks, often inside a later phase's window, whose server CPU and WAL, read
   * server-wide, would then carry them.
   */
  async dropSchema(): Promise<void> {
    await this.#client.query(`DROP SCHEMA "${this.#schema}" CASCADE`);
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}
