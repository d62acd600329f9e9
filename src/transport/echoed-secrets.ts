/**
 * What a receiver answers is kept (a run's or attempt's response excerpt) and shown: in the dashboard, the
 * CLI, events. Receivers often echo what they were sent ("invalid token sk_live_…", a debugging endpoint
 * that returns the request), so a job's header values or an endpoint's authorization would come back as
 * "response" to everyone who may read the delivery log. The secrets a request carried are cut out of what
 * is kept of its answer.
 */

/** The mark a secret value is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Shorter values are not treated as secrets: `1`, `true` or `json` in a query would otherwise be cut out of
 * every answer, and a credential is longer.
 */
const MIN_CHARS = 8;

/** Headers whose values describe the request rather than authorize it. */
const PLAIN_HEADERS = new Set([
  'accept',
  'accept-language',
  'content-language',
  'content-type',
  'user-agent',
]);

/**
 * The secret values a request carries: its configured header values (and the credential after an auth
 * scheme such as `Bearer `), the URL's user name and password, and its query values (as written and
 * decoded). Longest first, so a value is cut out before a part of it.
 */
export function requestSecrets(url: string, headers: Readonly<Record<string, string>> | undefined): string[] {
  // Called for every answer kept: most requests carry no secret at all, and then nothing is allocated.
  const parseUrl = url.includes('?') || url.includes('@');
  if (!parseUrl && !hasSecretHeader(headers)) return [];
  const found = new Set<string>();
  for (const name in headers) {
    if (PLAIN_HEADERS.has(name.toLowerCase())) continue;
    const value = headers[name]!.trim();
    addSecret(found, value);
    const scheme = /^[A-Za-z][\w.+-]*\s+(\S.*)$/.exec(value);
    if (scheme) addSecret(found, scheme[1]!);
  }
  if (parseUrl) {
    const parsed = URL.parse(url);
    if (parsed !== null) {
      addSecret(found, parsed.username);
      addSecret(found, parsed.password);
      addSecret(found, decodeText(parsed.username));
      addSecret(found, decodeText(parsed.password));
      for (const part of parsed.search.slice(1).split('&')) {
        const at = part.indexOf('=');
        const raw = at < 0 ? part : part.slice(at + 1);
        addSecret(found, raw);
        addSecret(found, decodeText(raw.replace(/\+/g, ' ')));
      }
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

function hasSecretHeader(headers: Readonly<Record<string, string>> | undefined): boolean {
  for (const name in headers) if (!PLAIN_HEADERS.has(name.toLowerCase())) return true;
  return false;
}

function addSecret(found: Set<string>, value: string): void {
  if (value.length >= MIN_CHARS) found.add(value);
}

function decodeText(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `text` with every occurrence of each of `secrets` replaced by {@link REDACTED}. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
