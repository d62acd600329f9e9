import { CronhookError } from '../../errors.js';
import { DELIVERY_STATUSES } from '../../notifier/types.js';
import {
  actionButton,
  badge,
  breakable,
  csrfField,
  excerpt,
  fields,
  flash,
  pager,
  table,
} from '../html/components.js';
import type { PageBody } from '../html/layout.js';
import { type Html, html } from '../html/template.js';
import { formatDuration, timeCell } from '../html/time.js';
import { href, type PageContext } from './context.js';
import type { Deps } from './deps.js';
import { instantValue, optionalInstant, optionalOneOf, searchText } from './params.js';

export async function deliveriesPage(ctx: PageContext, deps: Deps): Promise<PageBody> {
  const endpointId = searchText(ctx.query, 'endpoint');
  const jobId = searchText(ctx.query, 'job');
  const topic = searchText(ctx.query, 'topic');
  const status = optionalOneOf(ctx.query, 'status', DELIVERY_STATUSES);
  const since = optionalInstant(ctx.query, 'since');
  const until = optionalInstant(ctx.query, 'until');
  if (since && until && since >= until) {
    throw new CronhookError('ERR_INVALID_REQUEST', 'The until parameter must be later than since', {
      field: 'until',
    });
  }
  const page = await deps.data.deliveries({
    ...(endpointId ? { endpointId } : {}),
    ...(jobId ? { jobId } : {}),
    ...(topic ? { topic } : {}),
    ...(status ? { status } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    cursor: ctx.query.get('cursor'),
    limit: ctx.pageSize,
  });
  const zoneOf = await deps.zones.ofDeliveries(ctx.zoneMode, page.items);
  const rows = page.items.map(
    (d) => html`<tr>
<td><a href="${href(ctx, `/deliveries/${encodeURIComponent(d.id)}`)}">${breakable(d.id)}</a><br><code>${breakable(d.topic)}</code></td>
<td><a href="${href(ctx, `/endpoints/${encodeURIComponent(d.endpointId)}`)}">${breakable(d.endpointId)}</a></td>
<td>${badge(d.status)}</td>
<td>${d.attempts}</td>
<td>${d.lastError ? html`<code>${d.lastError.code}</code>` : (d.lastStatusCode ?? '—')}</td>
<td>${timeCell(d.createdAt, zoneOf(d), ctx.now)}</td>
<td>${d.status === 'pending' ? timeCell(d.nextAttemptAt, zoneOf(d), ctx.now) : '—'}</td>
</tr>`,
  );
  const filters = html`<form method="get" action="${href(ctx, '/deliveries')}" class="filters" role="search">
<label>Endpoint id <input name="endpoint" value="${endpointId}" maxlength="200"></label>
<label>Job id <input name="job" value="${jobId}" maxlength="200"></label>
<label>Topic <input name="topic" value="${topic}" maxlength="200" placeholder="job.execution.failed"></label>
<label>Status <select name="status"><option value="">any</option>
${DELIVERY_STATUSES.map((s) => html`<option value="${s}"${s === status ? ' selected' : ''}>${s}</option>`)}
</select></label>
<label>Since (UTC) <input type="datetime-local" name="since" value="${instantValue(since)}"></label>
<label>Until (UTC) <input type="datetime-local" name="until" value="${instantValue(until)}"></label>
<button type="submit" class="btn plain">Filter</button></form>`;
  const replayed = ctx.query.get('done') === 'replayed' ? Number(ctx.query.get('n')) : Number.NaN;
  return {
    heading: 'Deliveries',
    section: 'deliveries',
    notice:
      Number.isSafeInteger(replayed) && replayed >= 0
        ? flash(
            'ok',
            `${replayed} failed ${replayed === 1 ? 'delivery is' : 'deliveries are'} back in the outbox, each for one more attempt.`,
          )
        : '',
    content: html`${filters}
${table('Deliveries, newest first', ['Delivery and topic', 'Endpoint', 'Status', 'Attempts', 'Last result', 'Created', 'Next attempt'], rows, 'No delivery matches.')}
${pager(ctx, page.next)}`,
  };
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export async function deliveryPage(ctx: PageContext, deps: Deps, id: string): Promise<PageBody> {
  const d = await deps.data.delivery(id);
  if (!d)
    throw new CronhookError('ERR_DELIVERY_NOT_FOUND', 'There is no delivery with this id', { field: 'id' });
  const zone = (await deps.zones.ofJobs(ctx.zoneMode, [d.message.jobId]))(d.message.jobId);
  const attempts = d.attemptLog.map(
    (a) => html`<tr id="attempt-${a.id}">
<td>${a.attempt}</td><td>${a.trigger}</td><td>${timeCell(a.startedAt, zone, ctx.now)}</td>
<td>${a.statusCode ?? '—'}</td><td>${formatDuration(a.durationMs)}</td>
<td>${excerpt(a.responseSnippet, 160)}</td>
<td>${a.error ? html`<code>${a.error.code}</code> ${a.error.message}` : '—'}</td></tr>`,
  );
  let notice: Html | string = '';
  if (ctx.query.get('done') === 'redelivered') {
    const last = d.attemptLog.at(-1);
    notice =
      last && last.error === null && last.statusCode !== null && last.statusCode < 300
        ? flash(
            'ok',
            html`Redelivered with the same webhook-id: HTTP ${last.statusCode} in ${formatDuration(last.durationMs)}.`,
          )
        : flash(
            'bad',
            html`Redelivered with the same webhook-id; the attempt failed: ${last?.error ? html`<code>${last.error.code}</code> ${last.error.message}` : `HTTP ${last?.statusCode ?? '—'}`}`,
          );
  }
  return {
    heading: `Delivery ${d.id}`,
    section: 'deliveries',
    tools: actionButton(ctx, {
      action: 'redeliver',
      url: href(ctx, `/deliveries/${encodeURIComponent(d.id)}/redeliver`),
      label: 'Redeliver',
      tone: 'primary',
    }),
    notice,
    content: html`<section class="card" aria-labelledby="d-h"><h2 id="d-h">Delivery</h2>
${fields([
  ['webhook-id', html`<code id="webhook-id">${d.message.id}</code>`],
  [
    'Endpoint',
    html`<a href="${href(ctx, `/endpoints/${encodeURIComponent(d.endpointId)}`)}">${d.endpointId}</a>`,
  ],
  ['Topic', html`<code>${d.topic}</code>`],
  [
    'Job',
    d.message.jobId
      ? html`<a href="${href(ctx, `/jobs/${encodeURIComponent(d.message.jobId)}`)}">${d.message.jobId}</a>`
      : '—',
  ],
  ['Status', badge(d.status)],
  ['Attempts', String(d.attempts)],
  ['Next attempt', d.status === 'pending' ? timeCell(d.nextAttemptAt, zone, ctx.now) : '—'],
  ['Created', timeCell(d.createdAt, zone, ctx.now)],
])}
</section>
<section aria-labelledby="body-h"><h2 id="body-h">Body sent</h2>
<p class="muted">Exactly as signed and sent (${Buffer.byteLength(d.message.body)} bytes):</p>
<pre class="body"><code>${d.message.body}</code></pre>
<details><summary>Formatted</summary><pre class="body"><code>${prettyBody(d.message.body)}</code></pre></details>
</section>
<section aria-labelledby="att-h"><h2 id="att-h">Attempts</h2>
${table('Attempts, oldest first', ['#', 'Trigger', 'Time', 'HTTP', 'Duration', 'Response', 'Error'], attempts, 'No attempt yet.')}
</section>`,
  };
}

/** The confirmation step of a bulk replay: how many deliveries it would queue again. */
export function replayConfirmPage(
  ctx: PageContext,
  endpointId: string,
  since: Date,
  count: number,
  capped: boolean,
): PageBody {
  return {
    heading: 'Replay failed deliveries',
    section: 'deliveries',
    live: false,
    content: html`<section class="card"><p>${capped ? `More than ${count}` : count} failed ${count === 1 ? 'delivery' : 'deliveries'} to <code>${endpointId}</code> since ${timeCell(since, 'UTC', ctx.now)} would get one more attempt each.</p>
${
  count === 0
    ? html`<p><a class="btn plain" href="${href(ctx, `/endpoints/${encodeURIComponent(endpointId)}`)}">Back</a></p>`
    : html`<form method="post" action="${href(ctx, '/deliveries/replay')}" data-enhance>${csrfField(ctx)}
<input type="hidden" name="endpointId" value="${endpointId}"><input type="hidden" name="since" value="${since.toISOString()}">
<input type="hidden" name="confirm" value="${count}">
<button type="submit" class="btn primary">Replay ${count}</button> <a class="btn plain" href="${href(ctx, `/endpoints/${encodeURIComponent(endpointId)}`)}">Cancel</a></form>`
}
</section>`,
  };
}
