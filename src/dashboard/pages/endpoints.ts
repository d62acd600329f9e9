import type { EndpointView } from '../data/views.js';
import { actionButton, badge, breakable, flash, pager, table } from '../html/components.js';
import type { PageBody } from '../html/layout.js';
import { type Html, html } from '../html/template.js';
import { timeCell } from '../html/time.js';
import { href, type PageContext } from './context.js';
import type { Deps } from './deps.js';

/** Enabled, or disabled with its reason and since when. */
export function endpointState(ctx: PageContext, e: EndpointView): Html {
  if (e.enabled) {
    return e.failingSince
      ? html`${badge('failing')} <span class="muted">since</span> ${timeCell(e.failingSince, 'UTC', ctx.now)}`
      : badge('enabled');
  }
  const reason = { manual: 'by hand', gone: 'receiver answered 410 Gone', failing: 'failing too long' }[
    e.disabledReason ?? 'manual'
  ];
  return html`${badge('disabled')} <span class="muted">${reason}, since</span> ${timeCell(e.disabledAt, 'UTC', ctx.now)}`;
}

/** How many secrets sign, and when the previous ones stop. */
export function rotationState(ctx: PageContext, e: EndpointView): Html {
  if (e.graceEndsAt === null) return html`1 secret`;
  return html`${e.signingSecrets} secrets sign <span class="muted">until</span> ${timeCell(e.graceEndsAt, 'UTC', ctx.now)}`;
}

export function topicsText(e: EndpointView): Html {
  const filters: Html[] = [];
  if (e.jobIds) filters.push(html`<br><span class="muted">jobs:</span> ${e.jobIds.join(', ')}`);
  if (e.match?.metadata)
    filters.push(
      html`<br><span class="muted">metadata:</span> <code>${JSON.stringify(e.match.metadata)}</code>`,
    );
  return html`${e.topics.map((t) => html`<code>${t}</code> `)}${filters}`;
}

const DONE: Record<string, string> = { deleted: 'The endpoint was deleted, with its pending deliveries.' };

export async function endpointsPage(ctx: PageContext, deps: Deps): Promise<PageBody> {
  const page = await deps.data.endpoints(ctx.query.get('cursor'), ctx.pageSize, ctx.now);
  const rows = page.items.map(
    (e) => html`<tr>
<td><a href="${href(ctx, `/endpoints/${encodeURIComponent(e.id)}`)}">${e.description ?? breakable(e.id)}</a>${e.description ? html`<br><span class="muted">${breakable(e.id)}</span>` : ''}</td>
<td><code>${breakable(e.url)}</code></td>
<td>${topicsText(e)}</td>
<td>${endpointState(ctx, e)}</td>
<td>${rotationState(ctx, e)}</td>
</tr>`,
  );
  const done = DONE[ctx.query.get('done') ?? ''];
  return {
    heading: 'Endpoints',
    section: 'endpoints',
    tools: ctx.allowed.has('addEndpoint')
      ? html`<a class="btn primary" href="${href(ctx, '/add/endpoint')}" data-dialog>Add endpoint</a>`
      : '',
    notice: done ? flash('ok', done) : '',
    content: html`${table('Endpoints', ['Endpoint', 'URL', 'Topics and filters', 'State', 'Signing'], rows, 'No endpoints yet.')}
${pager(ctx, page.next)}`,
  };
}

/** The buttons of one endpoint, each only when allowed. */
export function endpointButtons(ctx: PageContext, e: EndpointView): Html {
  const url = (action: string) => href(ctx, `/endpoints/${encodeURIComponent(e.id)}/${action}`);
  return html`${actionButton(ctx, { action: 'ping', url: url('ping'), label: 'Ping', tone: 'primary' })}
${ctx.allowed.has('editEndpoint') ? html`<a class="btn plain" href="${url('edit')}" data-dialog data-title="Edit endpoint">Edit</a>` : ''}
${
  e.enabled
    ? actionButton(ctx, {
        action: 'disableEndpoint',
        url: url('disable'),
        label: 'Disable',
        confirm: 'Disable this endpoint? Its deliveries wait until it is enabled.',
      })
    : actionButton(ctx, { action: 'enableEndpoint', url: url('enable'), label: 'Enable' })
}
${actionButton(ctx, { action: 'deleteEndpoint', url: url('delete'), label: 'Delete', tone: 'danger', confirm: 'Delete this endpoint and its pending deliveries?' })}`;
}
