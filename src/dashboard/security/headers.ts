/** Options of the security headers sent with every response. */
export interface SecurityHeaderOptions {
  /** `frame-ancestors` sources, e.g. `["'self'"]`; none may frame the dashboard by default. */
  frameAncestors: readonly string[];
}

/**
 * The dashboard's Content-Security-Policy: its own scripts and styles only (no inline code at all), forms
 * posting only to itself, and no framing unless allowed.
 */
export function contentSecurityPolicy(options: SecurityHeaderOptions): string {
  const ancestors = options.frameAncestors.length === 0 ? "'none'" : options.frameAncestors.join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

/** Headers every dashboard response carries. */
export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(options),
    'x-content-type-options': 'nosniff',
    // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with every POST.
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(options.frameAncestors.length === 0 ? { 'x-frame-options': 'DENY' } : {}),
  };
}
