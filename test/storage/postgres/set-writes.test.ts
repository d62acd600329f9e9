import { describe, expect, it } from 'vitest';
import { arrayLiteral, jsonRows } from '../../../src/storage/postgres/set-writes.js';

// Group writes pass their rows to json_populate_recordset as this one JSON text: every value must come out as
// JSON.stringify would write it, and the JSON columns' text exactly as the codec made it.
describe('jsonRows', () => {
  const columns = ['id', 'n', 'ok', 'gone', 'nested', 'note'];
  const raw = new Set(['nested']);

  it('writes each row as an object of its columns, JSON text columns embedded as they are', () => {
    const nested = '{"b":1,"a":[1,"x"]}';
    const text = jsonRows(columns, raw, [
      ['dlv_1', 42, true, null, nested, 'say "hi"\n\u2028é'],
      ['dlv_2', 1.5, false, undefined, null, ''],
    ]);
    expect(JSON.parse(text)).toEqual([
      { id: 'dlv_1', n: 42, ok: true, gone: null, nested: { b: 1, a: [1, 'x'] }, note: 'say "hi"\n\u2028é' },
      { id: 'dlv_2', n: 1.5, ok: false, gone: null, nested: null, note: '' },
    ]);
    // Key order and spacing of the nested text kept, as a single-row insert stores it.
    expect(text).toContain(`"nested":${nested}`);
  });

  it('writes numbers as JSON.stringify does: non-finite ones as null, large ones in exponent form', () => {
    const values = [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, 2 ** 53, 0.1];
    const text = jsonRows(
      ['v'],
      new Set(),
      values.map((v) => [v]),
    );
    expect(text).toBe(JSON.stringify(values.map((v) => ({ v }))));
  });

  it('writes other values (arrays of ids) through JSON.stringify, and no rows as an empty array', () => {
    expect(JSON.parse(jsonRows(['ids'], new Set(), [[['ep_1', 'ep_2']]]))).toEqual([
      { ids: ['ep_1', 'ep_2'] },
    ]);
    expect(jsonRows(columns, raw, [])).toBe('[]');
  });
});

// Attempt results go to complete_outcomes() as one array literal per column (outcomes.test.ts reads them back
// from a real server): text quoted, with its quotes and backslashes escaped; numbers bare; null as NULL.
describe('arrayLiteral', () => {
  it('quotes every text, so commas, braces, spaces and the word NULL stay text; escapes quotes and backslashes', () => {
    expect(arrayLiteral(['a,b', '{c}', ' d ', 'NULL', '', 'say "hi" \\ bye', '{"k":"v\\"x"}'])).toBe(
      '{"a,b","{c}"," d ","NULL","","say \\"hi\\" \\\\ bye","{\\"k\\":\\"v\\\\\\"x\\"}"}',
    );
  });

  it('writes numbers bare, null, undefined and non-finite numbers as NULL, and no values as an empty array', () => {
    expect(arrayLiteral([42, 1.5, -3, null, undefined, Number.NaN, Number.POSITIVE_INFINITY])).toBe(
      '{42,1.5,-3,NULL,NULL,NULL,NULL}',
    );
    expect(arrayLiteral([])).toBe('{}');
  });

  it('writes a text repeated from row to row, as a column of JSON repeats, escaped the same every time', () => {
    const json = '{"content-type":"text/plain","x":"a\\b"}';
    const quoted = '"{\\"content-type\\":\\"text/plain\\",\\"x\\":\\"a\\\\b\\"}"';
    expect(arrayLiteral([json, json, null, json, 'ok', json, 7, 'ok', 'ok'])).toBe(
      `{${quoted},${quoted},NULL,${quoted},"ok",${quoted},7,"ok","ok"}`,
    );
  });
});
