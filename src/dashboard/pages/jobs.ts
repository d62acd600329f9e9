import { FAILING_SCAN, type JobStatusFilter } from '../data/source.js';
import type { JobView } from '../data/views.js';
import { scheduleZone } from '../data/zones.js';
import { actionButton, badge, breakable, pager, table } from '../html/components.js';
import type { PageBody } from '../html/layout.js';
import { scheduleAsWritten, scheduleInWords } from '../html/schedule-words.js';
import { html } from '../html/template.js';
import { timeCell } from '../html/time.js';
import { href, type PageContext, zoneFor } from './context.js';
import type { Deps } from './deps.js';
import { oneOf, searchText } from './params.js';

export function jobZone(job: JobView): string | null {
  return scheduleZone(job.schedule);
}

/** The schedule as written with its words beneath. */
export function scheduleCell(job: JobView) {
  const words = scheduleInWords(job.schedule);
  // A cron expression wraps at its spaces into fields that no longer read as one: it stays whole.
  const written = scheduleAsWritten(job.schedule);
  return html`<code${job.schedule.kind === 'cron' ? html` class="whole"` : ''}>${written}</code>${words ? html`<br><span class="muted">${words}</span>` : ''}`;
}

/** "Run now", "Pause" / "Resume" for a job, each only when allowed. */
export function jobButtons(ctx: PageContext, job: JobView, back: string) {
  const url = (action: string) => href(ctx, `/jobs/${encodeURIComponent(job.id)}/${action}`);
  return html`${actionButton(ctx, { action: 'runJob', url: url('run'), label: 'Run now', tone: 'primary', fields: { back } })}
${
  job.enabled
    ? actionButton(ctx, { action: 'pauseJob', url: url('pause'), label: 'Pause', fields: { back } })
    : actionButton(ctx, { action: 'resumeJob', url: url('resume'), label: 'Resume', fields: { back } })
}`;
}

/** What the "failing" filter lists: every failing job, or, on a storage without a list of them, some. */
function failingNote(deps: Deps) {
  return deps.data.exactFailing
    ? html`<p class="muted">Active jobs whose newest finished run failed.</p>`
    : html`<p class="muted">Active jobs whose newest finished run failed, among the jobs of the latest ${FAILING_SCAN.toLocaleString('en-US')} failed runs (this storage has no <code>listFailingJobs</code>).</p>`;
}

export async function jobsPage(ctx: PageContext, deps: Deps): Promise<PageBody> {
  const status = oneOf<JobStatusFilter>(ctx.query, 'status', ['all', 'active', 'paused', 'failing'], 'all');
  const search = searchText(ctx.query, 'q');
  const page = await deps.data.jobs({ status, search, cursor: ctx.query.get('cursor'), limit: ctx.pageSize });
  const last = await deps.data.lastRuns(page.items.map((j) => j.id));
  const rows = page.items.map((job) => {
    const zone = zoneFor(ctx, jobZone(job));
    const run = last.get(job.id);
    return html`<tr>
<td><a href="${href(ctx, `/jobs/${encodeURIComponent(job.id)}`)}">${breakable(job.id)}</a>${job.name ? html`<br><span class="muted">${job.name}</span>` : ''}</td>
<td>${scheduleCell(job)}</td>
<td>${jobZone(job) ?? html`<span class="muted">—</span>`}</td>
<td>${job.enabled ? timeCell(job.nextRunAt, zone, ctx.now) : badge('paused')}</td>
<td>${run ? html`${badge(run.status)} ${timeCell(run.finishedAt ?? run.startedAt ?? run.scheduledAt, zone, ctx.now)}` : html`<span class="muted">never</span>`}</td>
<td>${badge(job.enabled ? 'active' : 'paused')}</td>
</tr>`;
  });
  const filters = html`<form method="get" action="${href(ctx, '/jobs')}" class="filters" role="search">
<label>Search by id <input type="search" name="q" value="${search}" maxlength="200" placeholder="id prefix"></label>
<label>Status <select name="status">
${(['all', 'active', 'paused', 'failing'] as const).map((s) => html`<option value="${s}"${s === status ? ' selected' : ''}>${s}</option>`)}
</select></label>
<button type="submit" class="btn plain">Filter</button>
</form>`;
  return {
    heading: 'Jobs',
    section: 'jobs',
    content: html`${filters}
${status === 'failing' ? failingNote(deps) : ''}
${table('Jobs', ['Job', 'Schedule', 'Timezone', 'Next run', 'Last run', 'State'], rows, search || status !== 'all' ? 'No job matches.' : 'No jobs yet.')}
${pager(ctx, page.next)}`,
  };
}
