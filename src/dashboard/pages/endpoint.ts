import { randomUUID } from 'node:crypto';
import { CronhookError } from '../../errors.js';
import type { EndpointView } from '../data/views.js';
import { badge, breakable, csrfField, fields, flash, table } from '../html/components.js';
import type { PageBody } from '../html/layout.js';
import { type Html, html } from '../html/template.js';
import { formatDuration, timeCell } from '../html/time.js';
import { href, type PageContext } from './context.js';
import type { Deps } from './deps.js';
import { editEndpointPage } from './endpoint-form.js';
import { endpointButtons, endpointState, rotationState, topicsText } from './endpoints.js';

async function pingOutcome(deps: Deps, deliveryId: string): Promise<Html> {
  const delivery = await deps.data.delivery(deliveryId);
  const attempt = delivery?.attemptLog.at(-1);
  if (!delivery || !attempt) return flash('info', 'The ping was sent; its outcome is in the delivery log.');
  if (attempt.error === null && attempt.statusCode !== null && attempt.statusCode < 300) {
    return flash(
      'ok',
      html`Ping answered HTTP ${attempt.statusCode} in ${formatDuration(attempt.durationMs)}.`,
    );
  }
  const why = attempt.error
    ? html`<code>${attempt.error.code}</code> ${attempt.error.message}`
    : html`HTTP ${attempt.statusCode}`;
  return flash('bad', html`Ping failed after ${formatDuration(attempt.durationMs)}: ${why}`);
}

const DONE: Record<string, string> = {
  enabled: 'Enabled: its waiting deliveries are sent now.',
  disabled: 'Disabled: its deliveries wait until it is enabled again.',
  edited: 'Saved: deliveries from now on use the new settings.',
};

function rotateForm(ctx: PageContext, id: string): Html {
  if (!ctx.allowed.has('rotateSecret')) return html``;
  return html`<form method="post" action="${href(ctx, `/endpoints/${encodeURIComponent(id)}/rotate`)}" class="stack" data-enhance data-confirm="Rotate the signing secret? The new one is shown once.">
${csrfField(ctx)}
<input type="hidden" name="nonce" value="${randomUUID()}">
<label>Old secret keeps signing for <select name="graceHours">
${[0, 1, 24, 72, 168].map((h) => html`<option value="${h}"${h === 24 ? ' selected' : ''}>${h === 0 ? 'no time (stop at once)' : `${h} hours`}</option>`)}
</select></label>
<button type="submit" class="btn plain">Rotate secret</button></form>`;
}

function replayForm(ctx: PageContext, id: string): Html {
  if (!ctx.allowed.has('replay')) return html``;
  const dayAgo = new Date(ctx.now.getTime() - 86_400_000).toISOString().slice(0, 16);
  return html`<form method="post" action="${href(ctx, '/deliveries/replay')}" class="stack" data-enhance>
${csrfField(ctx)}<input type="hidden" name="endpointId" value="${id}">
<label>Replay failed deliveries since (UTC) <input type="datetime-local" name="since" value="${dayAgo}" required></label>
<button type="submit" class="btn plain">Count and review…</button></form>`;
}

async function requireEndpoint(ctx: PageContext, deps: Deps, id: string): Promise<EndpointView> {
  const e = await deps.data.endpoint(id, ctx.now);
  if (!e)
    throw new CronhookError('ERR_ENDPOINT_NOT_FOUND', 'There is no endpoint with this id', { field: 'id' });
  return e;
}

/** The "Edit endpoint" form, for those allowed to post it. */
export async function editPage(ctx: PageContext, deps: Deps, id: string): Promise<PageBody> {
  if (!ctx.allowed.has('editEndpoint')) {
    throw new CronhookError('ERR_FORBIDDEN', 'You are not allowed to do this here (editEndpoint).');
  }
  return editEndpointPage(ctx, await requireEndpoint(ctx, deps, id));
}

export async function endpointPage(ctx: PageContext, deps: Deps, id: string): Promise<PageBody> {
  const e = await requireEndpoint(ctx, deps, id);
  const recent = await deps.data.deliveries({ endpointId: e.id, cursor: null, limit: 10 });
  const zoneOf = await deps.zones.ofDeliveries(ctx.zoneMode, recent.items);
  let notice: Html | string = '';
  const ping = ctx.query.get('ping');
  if (ping) notice = await pingOutcome(deps, ping);
  const done = DONE[ctx.query.get('done') ?? ''];
  if (done) notice = flash('ok', done);
  const rows = recent.items.map(
    (d) =>
      html`<tr><td><a href="${href(ctx, `/deliveries/${encodeURIComponent(d.id)}`)}">${breakable(d.id)}</a><br><code>${breakable(d.topic)}</code></td><td>${badge(d.status)}</td><td>${d.attempts}</td><td>${timeCell(d.createdAt, zoneOf(d), ctx.now)}</td></tr>`,
  );
  return {
    heading: e.description ?? e.id,
    section: 'endpoints',
    tools: endpointButtons(ctx, e),
    notice,
    content: html`<div class="grid two">
<section class="card" aria-labelledby="ep-h"><h2 id="ep-h">Endpoint</h2>
${fields([
  ['Id', html`<code>${e.id}</code>`],
  ['URL', html`<code>${e.url}</code>`],
  ['Description', e.description ?? '—'],
  ['Topics and filters', topicsText(e)],
  ['State', endpointState(ctx, e)],
  ['Signing', rotationState(ctx, e)],
  ['Authorization', e.hasAuthorization ? 'set (not shown)' : 'none'],
  [
    'Extra headers',
    e.headerNames.length
      ? html`${e.headerNames.map((n) => html`<code>${n}</code> `)}<span class="muted">(values not shown)</span>`
      : 'none',
  ],
  ['Created', timeCell(e.createdAt, 'UTC', ctx.now)],
])}
</section>
<section class="card" aria-labelledby="ops-h"><h2 id="ops-h">Operations</h2>
${rotateForm(ctx, e.id)}${replayForm(ctx, e.id)}
${ctx.allowed.has('rotateSecret') || ctx.allowed.has('replay') ? '' : html`<p class="muted">No operation is allowed here.</p>`}
</section></div>
<section aria-labelledby="recent-h"><h2 id="recent-h">Recent deliveries</h2>
${table('Recent deliveries', ['Delivery and topic', 'Status', 'Attempts', 'Created'], rows, 'No deliveries yet.')}
<p><a href="${href(ctx, '/deliveries', { endpoint: e.id })}">All deliveries to this endpoint »</a></p>
</section>`,
  };
}
