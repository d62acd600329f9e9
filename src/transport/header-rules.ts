// What a caller's request header may be: the one rule for job headers and endpoint headers, checked when the
// job or endpoint is saved, so that what is accepted is sent on every attempt rather than refused by the
// HTTP client at run time.

/**
 * Headers the transport sets itself: message framing (`content-length`, `transfer-encoding`, `te`,
 * `trailer`), the connection (`connection`, `keep-alive`, `upgrade`, `proxy-connection`, `expect`) and the
 * destination (`host`). undici refuses most of them at run time; `host` would make a request claim another
 * site than the one the address guard checked.
 */
export const FORBIDDEN_HEADER_NAMES: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'te',
  'trailer',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'expect',
]);

/** Most bytes of headers (names and values, 4 bytes of separators each) a job or endpoint may add. */
export const MAX_HEADER_BYTES = 8192;

const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII, space and tab (RFC 9110 field-value without obsolete text): what every server reads the same.
const VALUE = /^[\t\x20-\x7e]*$/;

/**
 * What is wrong with a name that is not a header name, without repeating it: such a "name" is often a whole
 * `Authorization: Bearer …` line or a `key=value` pasted in, so the credential is in it. Says where the first
 * character that may not be there is, and what it is when it is visible punctuation.
 */
export function invalidNameProblem(name: string): string {
  const at = [...name].findIndex((c) => !NAME.test(c));
  const bad = [...name][at] ?? '';
  const what =
    at < 0
      ? 'is empty'
      : `has ${bad === ' ' ? 'a space' : /^[\x21-\x7e]$/.test(bad) ? JSON.stringify(bad) : 'a control or non-ASCII character'} at position ${at + 1} of ${[...name].length}`;
  return `has an invalid header name: it ${what} (letters, digits and !#$%&'*+.^_\`|~- only; the name is not shown, in case a value was pasted into it)`;
}

/** What is wrong with a caller's header, as the end of a sentence naming it; undefined when it may be sent. */
export function headerProblem(name: string, value: unknown): string | undefined {
  if (!NAME.test(name)) return invalidNameProblem(name);
  if (FORBIDDEN_HEADER_NAMES.has(name.toLowerCase()))
    return 'may not be set: the HTTP client sets it itself (host, content-length, transfer-encoding, connection, ...)';
  // The value is never repeated: headers carry credentials.
  if (typeof value !== 'string') return 'must be a string';
  if (!VALUE.test(value))
    return 'must be visible ASCII, spaces and tabs only (no line breaks, control or non-ASCII characters; value not shown)';
  return undefined;
}

/** Bytes `headers` add to a request, to hold them to {@link MAX_HEADER_BYTES}. */
export function headerBytes(headers: Record<string, string>): number {
  let bytes = 0;
  for (const name in headers) bytes += name.length + headers[name]!.length + 4;
  return bytes;
}

/** True for a valid header name (an HTTP token). */
export function isHeaderName(name: string): boolean {
  return NAME.test(name);
}
