import type { PageContext } from '../pages/context.js';
import type { DashboardAction } from '../permissions.js';
import { escapeHtml, type Html, type HtmlValue, html, raw } from './template.js';

/**
 * A table that scrolls sideways on a phone, with a caption for screen readers. Its box takes the keyboard
 * focus (a region named by the caption), so a table that scrolls can be scrolled with the arrow keys even
 * when none of its cells holds a link.
 */
export function table(caption: string, headers: string[], rows: Html[], empty: string): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<div class="table-wrap" role="region" aria-label="${caption}" tabindex="0"><table>
<caption class="sr-only">${caption}</caption>
<thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

const TONES: Record<string, string> = {
  succeeded: 'ok',
  enabled: 'ok',
  active: 'ok',
  failed: 'bad',
  disabled: 'bad',
  failing: 'bad',
  missed: 'warn',
  skipped: 'muted',
  paused: 'warn',
  pending: 'info',
  queued: 'info',
  running: 'info',
};

/** The shape of the notifier's ids (notifier/ids.ts). */
const GENERATED_ID = /^(msg|ep|dlv|att)_[\w-]{22}$/;

/**
 * An id, topic or URL that may wrap when its column is narrow, and only after its separators: a URL after
 * its slashes, a topic or host after its dots (and `:`, `@`), an id after its `_` and `-`. Whole when it
 * fits, readable when it does not, never cut mid-word. Short ones (up to 16 characters, such as most job
 * ids) and the notifier's own ids (`dlv_` and 22 base64url characters, whose `-` and `_` are random, not
 * separators) stay whole.
 */
export function breakable(text: string): Html {
  if (text.length <= 16 || GENERATED_ID.test(text)) return html`<span class="whole">${text}</span>`;
  const after = text.includes('/') ? /(?<=\/)/ : /[.:@]/.test(text) ? /(?<=[.:@])/ : /(?<=[_-])/;
  return raw(text.split(after).map(escapeHtml).join('<wbr>'));
}

/** A status word in a coloured pill (the word itself carries the meaning, not the colour). */
export function badge(status: string, label: string = status): Html {
  return html`<span class="badge ${TONES[status] ?? 'muted'}">${label}</span>`;
}

/** Label/value pairs. */
export function fields(pairs: Array<[string, HtmlValue]>): Html {
  return html`<dl class="fields">${pairs.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

/** "Next page" (and "first page" when not on it) links of a cursor-paged list. */
export function pager(ctx: PageContext, next: string | null, param = 'cursor'): Html {
  const onFirst = !ctx.query.get(param);
  if (next === null && onFirst) return html``;
  const keep = (value: string | null) => {
    const q = new URLSearchParams(ctx.query);
    q.delete('done');
    if (value === null) q.delete(param);
    else q.set(param, value);
    const s = q.toString();
    return `${ctx.base}${ctx.path}${s ? `?${s}` : ''}`;
  };
  return html`<nav class="pager" aria-label="Pages">
${onFirst ? '' : html`<a href="${keep(null)}">« First page</a>`}
${next === null ? html`<span class="muted">End of list</span>` : html`<a href="${keep(next)}" rel="next">Next page »</a>`}
</nav>`;
}

export interface ActionButton {
  action: DashboardAction;
  url: string;
  label: string;
  /** Asked before posting when JavaScript is on. */
  confirm?: string;
  tone?: 'primary' | 'danger' | 'plain';
  fields?: Record<string, string>;
}

/** A POST button, rendered only when the action is allowed. */
export function actionButton(ctx: PageContext, button: ActionButton): Html {
  if (!ctx.allowed.has(button.action)) return html``;
  return html`<form method="post" action="${button.url}" class="inline" data-enhance${button.confirm ? html` data-confirm="${button.confirm}"` : ''}>
<input type="hidden" name="csrf" value="${ctx.csrfToken}">
${Object.entries(button.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<button type="submit" class="btn ${button.tone ?? 'plain'}">${button.label}</button></form>`;
}

/** The hidden CSRF field of a form. */
export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="csrf" value="${ctx.csrfToken}">`;
}

/** A notice at the top of a page: the outcome of an action. */
export function flash(tone: 'ok' | 'bad' | 'info', body: HtmlValue): Html {
  return html`<div class="flash ${tone}" role="status">${body}</div>`;
}

/** Text cut to `max` characters, the rest marked. */
export function excerpt(text: string | null, max = 200): Html {
  if (text === null || text === '') return html`<span class="muted">—</span>`;
  return text.length > max
    ? html`<code class="excerpt">${text.slice(0, max)}…</code>`
    : html`<code class="excerpt">${text}</code>`;
}
