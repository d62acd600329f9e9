import type { RunStatus } from '../../index.js';
import { badge, breakable, table } from '../html/components.js';
import type { PageBody } from '../html/layout.js';
import { type Html, html } from '../html/template.js';
import { timeCell } from '../html/time.js';
import { href, type PageContext } from './context.js';
import type { Deps } from './deps.js';

const fmt = (n: number, capped = false) => `${n.toLocaleString('en-US')}${capped && n >= 10_000 ? '+' : ''}`;

function stat(label: string, value: string, link?: string, tone?: string): Html {
  const body = html`<span class="stat-value">${value}</span><span class="stat-label">${label}</span>`;
  return link
    ? html`<a class="stat${tone ? ` ${tone}` : ''}" href="${link}">${body}</a>`
    : html`<div class="stat${tone ? ` ${tone}` : ''}">${body}</div>`;
}

const SHOWN: RunStatus[] = ['succeeded', 'failed', 'missed', 'skipped', 'running', 'queued'];

function runCounts(counts: Record<RunStatus, number>): Html {
  const parts = SHOWN.filter((s) => counts[s] > 0).map((s) => html`${badge(s, `${fmt(counts[s])} ${s}`)} `);
  return parts.length ? html`${parts}` : html`<span class="muted">none</span>`;
}

export async function overviewPage(ctx: PageContext, deps: Deps): Promise<PageBody> {
  const { stats, at } = await deps.stats.get(ctx.now);
  const sections: Html[] = [];
  if (ctx.sections.jobs) {
    const j = stats.jobs;
    sections.push(html`<section class="card" aria-labelledby="o-jobs"><h2 id="o-jobs">Jobs</h2>
<div class="stats">${stat('active', fmt(j.active, stats.capped), href(ctx, '/jobs', { status: 'active' }))}
${stat('paused', fmt(j.paused, stats.capped), href(ctx, '/jobs', { status: 'paused' }), j.paused ? 'warn' : undefined)}
${j.failing === null ? '' : stat('failing', fmt(j.failing), href(ctx, '/jobs', { status: 'failing' }), j.failing ? 'bad' : undefined)}</div>
${
  stats.runs
    ? html`<p><span class="muted">Runs, last hour:</span> ${runCounts(stats.runs.lastHour)}</p><p><span class="muted">Runs, last 24 hours:</span> ${runCounts(stats.runs.lastDay)}</p>`
    : ''
}
</section>`);
  }
  if (ctx.sections.webhooks) {
    const e = stats.endpoints;
    const d = stats.deliveries;
    const disabled = e.disabled.manual + e.disabled.gone + e.disabled.failing;
    sections.push(html`<section class="card" aria-labelledby="o-ep"><h2 id="o-ep">Endpoints</h2>
<div class="stats">${stat('enabled', fmt(e.enabled), href(ctx, '/endpoints'))}
${stat('disabled', fmt(disabled), href(ctx, '/endpoints'), disabled ? 'bad' : undefined)}
${stat('failing now', fmt(e.failing), href(ctx, '/endpoints'), e.failing ? 'warn' : undefined)}</div>
${disabled ? html`<p class="muted">Disabled: ${e.disabled.manual} by hand, ${e.disabled.gone} gone (410), ${e.disabled.failing} failing too long</p>` : ''}
</section>
<section class="card" aria-labelledby="o-d"><h2 id="o-d">Deliveries</h2>
<div class="stats">${stat('pending', fmt(d.pending, stats.capped), href(ctx, '/deliveries', { status: 'pending' }))}
${stat('failed', fmt(d.failed, stats.capped), href(ctx, '/deliveries', { status: 'failed' }), d.failed ? 'bad' : undefined)}</div>
<p><span class="muted">Oldest pending:</span> ${timeCell(d.oldestPendingAt, 'UTC', ctx.now)}</p>
</section>`);
  }
  const failures: Html[] = [];
  if (ctx.sections.jobs) {
    const runs = await deps.storage.listRuns({ statuses: ['failed'], limit: 8 });
    const zoneOf = await deps.zones.ofJobs(
      ctx.zoneMode,
      runs.map((r) => r.jobId),
    );
    failures.push(html`<section aria-labelledby="o-fr"><h2 id="o-fr">Recent failed runs</h2>
${table(
  'Recent failed runs',
  ['Job', 'Scheduled', 'Error'],
  runs.map(
    (r) =>
      html`<tr><td><a href="${href(ctx, `/jobs/${encodeURIComponent(r.jobId)}`)}">${breakable(r.jobId)}</a></td><td>${timeCell(r.scheduledAt, zoneOf(r.jobId), ctx.now)}</td><td>${r.error ? html`<code>${r.error.code}</code> ${r.error.message}` : '—'}</td></tr>`,
  ),
  'No failed run.',
)}
</section>`);
  }
  if (ctx.sections.webhooks) {
    const page = await deps.data.deliveries({ status: 'failed', cursor: null, limit: 8 });
    failures.push(html`<section aria-labelledby="o-fd"><h2 id="o-fd">Recent failed deliveries</h2>
${table(
  'Recent failed deliveries',
  ['Delivery and topic', 'Endpoint', 'Error'],
  page.items.map(
    (d) =>
      html`<tr><td><a href="${href(ctx, `/deliveries/${encodeURIComponent(d.id)}`)}">${breakable(d.id)}</a><br><code>${breakable(d.topic)}</code></td><td><a href="${href(ctx, `/endpoints/${encodeURIComponent(d.endpointId)}`)}">${breakable(d.endpointId)}</a></td><td>${d.lastError ? html`<code>${d.lastError.code}</code>` : (d.lastStatusCode ?? '—')}</td></tr>`,
  ),
  'No failed delivery.',
)}
</section>`);
  }
  return {
    heading: 'Overview',
    section: 'overview',
    content: html`<p class="muted">Counts as of ${timeCell(at, 'UTC', ctx.now)}</p>
<div class="grid three">${sections}</div><div class="grid two wide">${failures}</div>`,
  };
}
