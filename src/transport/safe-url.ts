/**
 * The one place that decides how a destination is named outside the process: in error messages, logs,
 * events, webhooks, CLI output and validation errors. Credentials (`user:password@`) and query strings
 * often carry tokens, and fragments are never sent, so the safe form is the origin and, at most, the path.
 */

/** Options of {@link safeUrl}. */
export interface SafeUrlOptions {
  /** Keep the path after the origin. @default true */
  path?: boolean;
}

/**
 * The safe name of an http(s) URL: `scheme://host[:port]` followed by the path, never the userinfo, the query
 * or the fragment. With `{ path: false }`, the origin only. Returns `''` when `url` is not an absolute http or
 * https URL: text that does not parse is never echoed, since nothing can tell where its secrets are.
 *
 * @example
 * safeUrl('https://svc:pw@api.example.com/charge?api_key=k') // 'https://api.example.com/charge'
 * safeUrl('https://api.example.com/charge?api_key=k', { path: false }) // 'https://api.example.com'
 */
export function safeUrl(url: string | URL, options: SafeUrlOptions = {}): string {
  let parsed: URL;
  if (url instanceof URL) parsed = url;
  else {
    const candidate = typeof url === 'string' ? URL.parse(url) : null;
    if (candidate === null) return '';
    parsed = candidate;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return '';
  return options.path === false ? parsed.origin : `${parsed.origin}${parsed.pathname}`;
}

/**
 * A part of a URL that {@link safeUrl} leaves out: `'credentials'` (`user:password@`), `'query'` (`?…`) or
 * `'fragment'` (`#…`). Public views (`getJob`, `listEndpoints`, the CLI's `--json`) list them in `urlHidden`.
 */
export type HiddenUrlPart = 'credentials' | 'query' | 'fragment';

/**
 * The parts of `url` that {@link safeUrl} leaves out, in URL order; `[]` when the safe form is the whole URL
 * (or when `url` is not an http(s) URL, whose safe form is `''`).
 *
 * @example
 * hiddenUrlParts('https://svc:pw@api.example.com/charge?api_key=k') // ['credentials', 'query']
 * hiddenUrlParts('https://api.example.com/charge') // []
 */
export function hiddenUrlParts(url: string | URL): HiddenUrlPart[] {
  const parsed = url instanceof URL ? url : typeof url === 'string' ? URL.parse(url) : null;
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return [];
  const hidden: HiddenUrlPart[] = [];
  if (parsed.username !== '' || parsed.password !== '') hidden.push('credentials');
  if (parsed.search !== '') hidden.push('query');
  if (parsed.hash !== '') hidden.push('fragment');
  return hidden;
}
