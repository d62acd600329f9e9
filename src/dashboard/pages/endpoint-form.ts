import { randomUUID } from 'node:crypto';
import { breakable, csrfField, fields, flash } from '../html/components.js';
import type { PageBody } from '../html/layout.js';
import { type Html, html } from '../html/template.js';
import { timeCell } from '../html/time.js';
import { href, type PageContext } from './context.js';

/** Topics offered as checkboxes; others can be typed. */
export const KNOWN_TOPICS = [
  ['job.execution.failed', 'A run failed'],
  ['job.execution.succeeded', 'A run succeeded'],
  ['job.execution.started', 'A run started'],
  ['job.execution.missed', 'An occurrence was missed'],
  ['job.*', 'Every job event'],
  ['*', 'Everything, including the app’s own topics'],
] as const;

/**
 * The "Add endpoint" form: its own page without JavaScript, a dialog with it. The fields that carry
 * credentials (the URL's query, the authorization value, header values) have spell checking off: a browser's
 * enhanced spell check sends what is typed to a remote service.
 */
export function newEndpointPage(ctx: PageContext, error?: string): PageBody {
  return {
    heading: 'Add endpoint',
    section: 'endpoints',
    live: false,
    notice: error ? flash('bad', error) : '',
    content: html`<form method="post" action="${href(ctx, '/endpoints')}" class="stack form" id="endpoint-form" data-enhance>
${csrfField(ctx)}
<input type="hidden" name="nonce" value="${randomUUID()}">
<label>Description <span class="muted">(a nickname)</span><input name="description" maxlength="200" autocomplete="off"></label>
<label>Endpoint URL <input name="url" type="url" required maxlength="2048" placeholder="https://example.com/webhooks" autocomplete="off" spellcheck="false" autocapitalize="off"></label>
<label>Authorization header value <span class="muted">(optional; never shown again)</span><input name="authorization" type="password" maxlength="4096" autocomplete="off" spellcheck="false" autocapitalize="off"></label>
<label>Extra headers <span class="muted">(one <code>Name: value</code> per line; values never shown again)</span><textarea name="headers" rows="3" maxlength="8192" spellcheck="false" autocapitalize="off"></textarea></label>
<fieldset><legend>Topics</legend>
${KNOWN_TOPICS.map(([topic, label]) => html`<label class="check"><input type="checkbox" name="topics" value="${topic}"${topic === 'job.execution.failed' ? ' checked' : ''}> <code>${breakable(topic)}</code> <span class="muted">${label}</span></label>`)}
<label>Other topics <span class="muted">(comma-separated, e.g. invoice.paid)</span><input name="otherTopics" maxlength="2000" autocomplete="off"></label>
</fieldset>
<label>Only these jobs <span class="muted">(comma-separated ids; empty for every job)</span><input name="jobIds" maxlength="20000" autocomplete="off"></label>
<div class="row"><button type="submit" class="btn primary">Add endpoint</button> <a href="${href(ctx, '/endpoints')}" class="btn plain" data-close>Cancel</a></div>
</form>`,
  };
}

/** The one page that shows a secret: right after it was made. Never cached, never shown again. */
export function revealPage(
  ctx: PageContext,
  endpointId: string,
  secret: string,
  what: 'added' | 'rotated',
  graceEndsAt?: Date,
): PageBody {
  const back = href(ctx, `/endpoints/${encodeURIComponent(endpointId)}`);
  const intro: Html =
    what === 'added'
      ? html`The endpoint was added. Give this signing secret to the receiver now: it is shown <strong>only this once</strong>.`
      : html`The secret was rotated. The new one signs from now on${graceEndsAt ? ', alongside the old one until the grace period ends' : ''}. It is shown <strong>only this once</strong>.`;
  return {
    heading: what === 'added' ? 'Endpoint added' : 'Secret rotated',
    section: 'endpoints',
    live: false,
    notice: flash('ok', intro),
    content: html`<section class="card reveal" aria-labelledby="secret-h">
<h2 id="secret-h">Signing secret</h2>
<div class="secret-row"><code id="secret" class="secret">${secret}</code>
<button type="button" class="btn plain" data-copy="secret" hidden>Copy</button></div>
${fields([
  ['Endpoint', html`<code>${endpointId}</code>`],
  ...(graceEndsAt
    ? [['Old secret signs until', timeCell(graceEndsAt, 'UTC', ctx.now)] as [string, Html]]
    : []),
])}
<p class="muted">Receivers verify signatures with <code>verifyWebhook</code> from <code>cronhook/verify</code>.</p>
<p><a class="btn primary" href="${back}">I have copied it</a></p>
</section>`,
  };
}
