import { CronhookError } from '../../errors.js';
import { RUN_STATUSES } from '../../scheduler/types.js';
import type { JobView, RunView } from '../data/views.js';
import { badge, excerpt, fields, flash, pager, table } from '../html/components.js';
import type { PageBody } from '../html/layout.js';
import { durationInWords } from '../html/schedule-words.js';
import { type Html, html } from '../html/template.js';
import { formatDuration, formatInstant, timeCell } from '../html/time.js';
import { href, type PageContext, zoneFor } from './context.js';
import type { Deps } from './deps.js';
import { jobButtons, jobZone, scheduleCell } from './jobs.js';
import { optionalOneOf } from './params.js';

function targetFields(job: JobView): Array<[string, Html | string]> {
  const t = job.target;
  if (t.kind === 'handler') {
    return [
      ['Target', html`handler <code>${t.handler}</code>`],
      ['Payload', t.hasPayload ? 'yes (not shown)' : 'none'],
    ];
  }
  return [
    ['Target', html`<code>${t.method} ${t.url}</code>`],
    [
      'Headers',
      t.headerNames.length
        ? html`${t.headerNames.map((n) => html`<code>${n}</code> `)}<span class="muted">(values not shown)</span>`
        : 'none',
    ],
    ['Body', t.bodyBytes === null ? 'none' : `${t.bodyBytes} bytes (not shown)`],
    ['Signed', t.signed ? 'yes, with a signing secret (not shown)' : 'no'],
  ];
}

function definition(ctx: PageContext, job: JobView): Html {
  const zone = zoneFor(ctx, jobZone(job));
  const retry =
    job.retry.attempts > 1
      ? `${job.retry.attempts} attempts, ${durationInWords(job.retry.minDelayMs)} to ${durationInWords(job.retry.maxDelayMs)} apart (×${job.retry.factor})`
      : 'no retry';
  return fields([
    ['Schedule', scheduleCell(job)],
    ['Timezone', jobZone(job) ?? '—'],
    ...targetFields(job),
    ['Timeout', job.target.timeoutMs === null ? 'default (30 s)' : formatDuration(job.target.timeoutMs)],
    ['Retry', retry],
    ['Overlap', job.overlap],
    ['Catch-up', typeof job.catchUp === 'string' ? job.catchUp : `at most ${job.catchUp.max}`],
    ['Success statuses', job.successStatuses ? job.successStatuses.join(', ') : '2xx'],
    ['Jitter', job.jitterMs ? formatDuration(job.jitterMs) : 'none'],
    ['Window', html`${timeCell(job.startAt, zone, ctx.now)} to ${timeCell(job.endAt, zone, ctx.now)}`],
    [
      'Scheduled runs',
      job.maxRuns === null ? String(job.runCount) : `${job.runCount} of at most ${job.maxRuns}`,
    ],
    [
      'Metadata',
      Object.keys(job.metadata).length ? html`<code>${JSON.stringify(job.metadata)}</code>` : 'none',
    ],
    ['Created', timeCell(job.createdAt, zone, ctx.now)],
    ['Updated', timeCell(job.updatedAt, zone, ctx.now)],
  ]);
}

function runRow(ctx: PageContext, run: RunView, zone: string): Html {
  const lateness = run.startedAt ? run.startedAt.getTime() - run.scheduledAt.getTime() : null;
  return html`<tr id="run-${run.id}">
<td>${timeCell(run.scheduledAt, zone, ctx.now)}</td>
<td>${badge(run.status)}</td>
<td>${run.trigger}</td>
<td>${run.attempts}</td>
<td>${formatDuration(run.durationMs)}</td>
<td>${lateness === null ? '—' : formatDuration(Math.max(0, lateness))}</td>
<td>${run.statusCode ?? '—'}</td>
<td>${excerpt(run.responseSnippet, 120)}</td>
<td>${run.error ? html`<code>${run.error.code}</code> ${run.error.message}` : '—'}</td>
</tr>`;
}

/** The outcome of a run the viewer just started, or of any run named in `?run=`. */
export function runOutcome(run: RunView | null): Html {
  if (!run) return flash('info', 'The run started; it appears in the history when it finishes.');
  if (run.status === 'succeeded') {
    return flash(
      'ok',
      html`Run <code>${run.id}</code> succeeded in ${formatDuration(run.durationMs)}${run.statusCode ? ` (HTTP ${run.statusCode})` : ''}.`,
    );
  }
  if (run.status === 'failed') {
    return flash(
      'bad',
      html`Run <code>${run.id}</code> failed after ${run.attempts} attempt(s): <code>${run.error?.code ?? ''}</code> ${run.error?.message ?? ''}`,
    );
  }
  return flash(
    'info',
    html`Run <code>${run.id}</code> is ${run.status}; the history below updates when it finishes.`,
  );
}

const DONE: Record<string, string> = {
  paused: 'Paused: no run is scheduled until it is resumed.',
  resumed: 'Resumed: the next run is scheduled from now.',
};

export async function jobPage(ctx: PageContext, deps: Deps, id: string): Promise<PageBody> {
  const job = await deps.data.job(id);
  if (!job) throw new CronhookError('ERR_JOB_NOT_FOUND', 'There is no job with this id', { field: 'id' });
  const status = optionalOneOf(ctx.query, 'status', RUN_STATUSES);
  const [runs, upcoming] = await Promise.all([
    deps.data.runs(job.id, status, ctx.query.get('cursor'), ctx.pageSize),
    deps.data.upcoming(job.id, 10, ctx.now),
  ]);
  const zone = zoneFor(ctx, jobZone(job));
  const tz = jobZone(job) ?? 'UTC';
  const runId = ctx.query.get('run');
  let notice: Html | string = '';
  if (runId !== null) notice = runOutcome(runId === '' ? null : await deps.data.run(runId));
  const done = DONE[ctx.query.get('done') ?? ''];
  if (done) notice = flash('ok', done);
  const self = href(ctx, `/jobs/${encodeURIComponent(job.id)}`);
  const fireRows = upcoming.map(
    (at, i) =>
      html`<tr><td>${i + 1}</td><td>${timeCell(at, tz, ctx.now)}</td>${tz === 'UTC' ? '' : html`<td><span class="whole">${formatInstant(at, 'UTC')}</span></td>`}</tr>`,
  );
  const fireHeaders = tz === 'UTC' ? ['#', 'UTC'] : ['#', tz, 'UTC'];
  const filter = html`<form method="get" action="${self}" class="filters">
<label>Status <select name="status"><option value="">any</option>
${RUN_STATUSES.map((s) => html`<option value="${s}"${s === status ? ' selected' : ''}>${s}</option>`)}
</select></label><button type="submit" class="btn plain">Filter</button></form>`;
  return {
    heading: job.name ?? job.id,
    section: 'jobs',
    tools: jobButtons(ctx, job, self),
    notice,
    content: html`<div class="grid two">
<section aria-labelledby="state-h" class="card"><h2 id="state-h">State</h2>
${fields([
  ['Id', html`<code>${job.id}</code>`],
  ['State', badge(job.enabled ? 'active' : 'paused')],
  [
    'Next run',
    job.enabled ? timeCell(job.nextRunAt, zone, ctx.now) : html`<span class="muted">none while paused</span>`,
  ],
])}
<h3>Next ${upcoming.length || ''} fire times${job.enabled ? '' : ' if resumed now'}</h3>
${table('Next fire times', fireHeaders, fireRows, 'No further occurrence.')}
</section>
<section aria-labelledby="def-h" class="card"><h2 id="def-h">Definition</h2>${definition(ctx, job)}</section>
</div>
<section aria-labelledby="runs-h"><h2 id="runs-h">Run history</h2>
${filter}
${table(
  'Runs, newest first',
  ['Scheduled', 'Status', 'Trigger', 'Attempts', 'Duration', 'Lateness', 'HTTP', 'Response', 'Error'],
  runs.items.map((r) => runRow(ctx, r, zone)),
  'No runs yet.',
)}
${pager(ctx, runs.next)}
${ctx.sections.webhooks ? html`<p><a href="${href(ctx, '/deliveries', { job: job.id })}">Webhook deliveries about this job »</a></p>` : ''}
</section>`,
  };
}
