import type { Message } from '../../notifier/types.js';
import { GroupCommit, type QueuedWrite } from '../sql/group-commit.js';

// Group writes as one set-based Postgres statement: split a group where a row repeats, and pass the rows as
// one JSON parameter.

/** Splits a group where a key repeats (a statement changes a row once), keeping call order. */
export function distinctParts<W>(group: QueuedWrite<W>[], key: (work: W) => string): QueuedWrite<W>[][] {
  const parts: QueuedWrite<W>[][] = [];
  let seen = new Set<string>();
  let part: QueuedWrite<W>[] = [];
  for (const write of group) {
    const k = key(write.work);
    if (seen.has(k)) {
      parts.push(part);
      part = [];
      seen = new Set();
    }
    seen.add(k);
    part.push(write);
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/**
 * Writes a part of a group as one set-based statement (`writeSet`), then lets `settle` resolve or reject each
 * write from its result. When the statement fails as a whole (one write clashing, say), the writes are made
 * again one at a time with `writeOne`, so only the bad one fails. A lone write gets the error at once, unless
 * `retryLone`: then it too is made again through `writeOne` (a separate transaction for attempt results).
 */
export async function writeAsSet<W, S>(
  part: QueuedWrite<W>[],
  writeSet: (works: W[]) => Promise<S>,
  settle: (write: QueuedWrite<W>, result: S) => void,
  writeOne: (work: W) => Promise<unknown>,
  retryLone = false,
): Promise<void> {
  let result: S;
  try {
    result = await writeSet(part.map((w) => w.work));
  } catch (error) {
    if (part.length === 1 && !retryLone) {
      part[0]!.reject(error);
      return;
    }
    for (const write of part) await writeOne(write.work).then(write.resolve, write.reject);
    return;
  }
  for (const write of part) settle(write, result);
}

/**
 * A group commit of inserts: the group in one statement (`insertSet`); when that fails as a whole (one row
 * clashing with a stored id), one by one, so that only the clashing write fails.
 */
export function insertAsSet<W>(insertSet: (works: W[]) => Promise<unknown>) {
  return (group: QueuedWrite<W>[]): Promise<void> =>
    writeAsSet(
      group,
      insertSet,
      (write) => write.resolve(undefined),
      (work) => insertSet([work]),
    );
}

/**
 * The group commit of message inserts (with their deliveries, or as fan-outs): the group's messages go in one
 * statement parameter, so a group holds up to 500 inserts and stops at ~16 MB of bodies. `extraWeight` is
 * what an insert stores besides its body (its delivery rows or endpoint ids), in bytes.
 */
export function messageInserts<W extends { message: Message }>(
  insertSet: (works: W[]) => Promise<unknown>,
  extraWeight: (work: W) => number,
): GroupCommit<W> {
  return new GroupCommit<W>(insertAsSet(insertSet), 500, {
    weigh: (work) => work.message.body.length + extraWeight(work),
    maxWeight: 16 * 1024 * 1024,
  });
}

/**
 * Encoded rows as one JSON array, for Postgres statements that take many rows in one parameter
 * (`json_populate_recordset(null::table, $1)`): one round trip and one commit for a group of writes.
 * `jsonColumns` hold JSON text already (the codecs' `json()`), embedded as it is rather than quoted again,
 * so a nested value keeps its text, key order included, exactly as a single-row insert stores it.
 * Built as one string: numbers, booleans and nulls (most of a delivery's or an attempt's columns) are written
 * without a JSON.stringify call each, which made this a tenth of the sender's Postgres CPU per delivery.
 */
export function jsonRows(
  columns: readonly string[],
  jsonColumns: ReadonlySet<string>,
  rows: readonly (readonly unknown[])[],
): string {
  const keys = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`);
  const raw = columns.map((c) => jsonColumns.has(c));
  let out = '[';
  for (let r = 0; r < rows.length; r++) {
    if (r > 0) out += '},';
    const values = rows[r]!;
    for (let i = 0; i < keys.length; i++) {
      out += keys[i]!;
      const value = values[i];
      if (value === null || value === undefined) out += 'null';
      else if (raw[i]) out += String(value);
      else if (typeof value === 'number') out += Number.isFinite(value) ? String(value) : 'null';
      else if (typeof value === 'boolean') out += value ? 'true' : 'false';
      else out += JSON.stringify(value);
    }
  }
  return rows.length === 0 ? '[]' : `${out}}]`;
}

/** Characters a quoted element of an array literal escapes. */
const ARRAY_ESCAPED = /["\\]/g;

/**
 * One column of rows as a Postgres array literal (`{"a",NULL,3}`), for statements that take rows as one typed
 * array per column (`unnest($1::text[], $2::bigint[], ...)`): every element that is not a number or null is
 * quoted, so text holding commas, braces or the word NULL stays as it is. Built by hand: pg's own array
 * encoding (prepareValue) cost about twice as much per value. An element equal to the one before it reuses its
 * quoted text: a column of JSON repeats itself from row to row (a receiver's response headers, the same within
 * a second), and escaping its quotes was ~0.8 µs of the ~2 µs an attempt result's parameters cost.
 */
export function arrayLiteral(values: readonly unknown[]): string {
  let out = '{';
  let lastText: string | undefined;
  let lastQuoted = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const value = values[i];
    if (value === null || value === undefined) out += 'NULL';
    else if (typeof value === 'number') out += Number.isFinite(value) ? String(value) : 'NULL';
    else {
      const text = String(value);
      if (text !== lastText) {
        lastText = text;
        lastQuoted = `"${text.includes('"') || text.includes('\\') ? text.replace(ARRAY_ESCAPED, '\\$&') : text}"`;
      }
      out += lastQuoted;
    }
  }
  return `${out}}`;
}
