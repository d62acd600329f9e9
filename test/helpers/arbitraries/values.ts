/**
 * Building blocks of the fuzz arbitraries: any value at all, hostile strings, URLs and header records, and
 * `broken()`, which takes a well-formed value and breaks it in zero to two fields.
 */
import fc from 'fast-check';

/** Seed of the fixed fuzz run in `npm test`; `FUZZ_SEED=<n>` replays another (fast-check prints it on failure). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);

/** Objects JSON cannot serialize or that break naive copying. */
function awkwardObjects(): fc.Arbitrary<unknown> {
  return fc
    .constantFrom<() => unknown>(
      () => {
        const o: Record<string, unknown> = { a: 1 };
        o.self = o;
        return o;
      },
      () => {
        const a: unknown[] = [1];
        a.push(a);
        return a;
      },
      () => ({ big: 10n }),
      () => Object.create(null) as object,
      () => ({ toJSON: () => undefined }),
      () => ({
        toJSON() {
          throw new Error('toJSON exploded');
        },
      }),
      () => ({
        toString() {
          throw new Error('toString exploded');
        },
        valueOf() {
          throw new Error('valueOf exploded');
        },
      }),
      () => new Map([['a', 1]]),
      () => new Date(Number.NaN),
      () => new Uint8Array([1, 2, 3]),
      () => Symbol('s'),
      () => () => 'a function',
      () => ({ __proto__: { inherited: true } }),
      () => JSON.parse('{"__proto__": {"polluted": true}}') as object,
    )
    .map((make) => make());
}

/** Any value at all: primitives of every type, nested objects and arrays, and the awkward cases above. */
export function anyValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.anything({ withBigInt: true, withDate: true, withNullPrototype: true, maxDepth: 2 }),
    },
    { weight: 1, arbitrary: awkwardObjects() },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, Number.NaN, Number.POSITIVE_INFINITY, -0, '') },
  );
}

/** Strings that test parsers: any code units (lone surrogates included), control characters, long runs. */
export function hostileString(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom(
      '',
      ' ',
      '\r\n',
      'a\r\nInjected: yes',
      '\0',
      '__proto__',
      'constructor',
      'x'.repeat(5000),
      '\u{1F600}',
      '\uD800',
    ),
  );
}

/** Sometimes the well-formed value, sometimes a hostile string, sometimes anything. */
export function maybe<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: hostileString() },
    { weight: 1, arbitrary: anyValue() },
  );
}

/** URLs: well-formed web URLs and the forms an address guard or validator must catch. */
export const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'http://127.0.0.1:8080/hook',
    'https://user:pass@example.com/',
    'ftp://example.com/',
    'javascript:alert(1)',
    'file:///etc/passwd',
    '//example.com',
    'http://[::1]/',
    'http://0x7f.1/',
    'http://2130706433/',
    'example.com/hook',
    `https://example.com/${'a'.repeat(3000)}`,
  ),
);

/**
 * Extra-header records: good names and values, bad names, names the transport sets itself, line breaks, NUL
 * and other control or non-ASCII characters, too many bytes, or anything.
 */
export const headerRecord = fc.oneof(
  fc.dictionary(
    fc.oneof(
      fc.constantFrom('x-api-key', 'X-Trace', 'content-type', 'bad name', 'ünï', ''),
      fc.constantFrom('Host', 'content-length', 'transfer-encoding', 'Connection', 'TE'),
      fc.string({ maxLength: 8 }),
    ),
    maybe(
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('line\nbreak', 'nul\0', 'bell\u0007', 'del\u007f', 'tök€n', 'x'.repeat(9000)),
      ),
    ),
    { maxKeys: 4 },
  ),
  anyValue(),
);

/** Marks a mutation that removes the field. */
export const DELETE = Symbol('delete');

/**
 * Applies `mutations` (dotted path, value) to a copy of `base`: a well-formed value broken in one or two
 * places, so the checks behind the first one are reached too. A path through a non-object is skipped.
 */
export function mutate(
  base: Record<string, unknown>,
  mutations: ReadonlyArray<readonly [string, unknown]>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [path, value] of mutations) {
    const keys = path.split('.');
    let node: Record<string, unknown> | null = out;
    for (const key of keys.slice(0, -1)) {
      const child: unknown = node[key];
      if (child === null || typeof child !== 'object' || Array.isArray(child)) {
        node = null;
        break;
      }
      node[key] = { ...(child as Record<string, unknown>) };
      node = node[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    if (node === null) continue;
    if (value === DELETE) delete node[last];
    else node[last] = value;
  }
  return out;
}

/** A well-formed value broken in zero, one or two fields (zero about half of the time). */
export function broken(
  valid: fc.Arbitrary<Record<string, unknown>>,
  fields: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const mutation = fc.oneof(
    ...Object.entries(fields).map(([path, value]) =>
      fc.tuple(
        fc.constant(path),
        fc.oneof(
          { weight: 3, arbitrary: value },
          { weight: 2, arbitrary: anyValue() },
          { weight: 1, arbitrary: fc.constant<unknown>(DELETE) },
        ),
      ),
    ),
  );
  return fc
    .tuple(valid, fc.oneof(fc.constant([]), fc.array(mutation, { minLength: 1, maxLength: 2 })))
    .map(([base, mutations]) => mutate(base, mutations));
}
