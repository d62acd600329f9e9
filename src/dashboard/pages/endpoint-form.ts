import { randomUUID } from 'node:crypto';
import type { EndpointView } from '../data/views.js';
import { breakable, csrfField, fields, flash } from '../html/components.js';
import type { PageBody } from '../html/layout.js';
import { type Html, html, join } from '../html/template.js';
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

/** A rejected form's error: its stable code, the field it names, and a message that echoes no value. */
export interface FormProblem {
  code: string;
  field: string | undefined;
  message: string;
}

/** What the endpoint form is filled with: nothing secret ever (no authorization or header value). */
export interface EndpointFormValues {
  description: string;
  /** '' when the URL may not be shown (it has a query, which can hold a token). */
  url: string;
  topics: readonly string[];
  jobIds: string;
}

/** What an edit shows of the secret-bearing fields it never fills: whether they are set, and header names. */
interface StoredSecrets {
  /** The endpoint's URL as shown, when its query keeps it out of the URL field. */
  hiddenUrl: string | null;
  hasAuthorization: boolean;
  headerNames: readonly string[];
}

interface EndpointFormSpec {
  action: string;
  cancel: string;
  submit: string;
  values: EndpointFormValues;
  /** Set for an edit: empty secret-bearing fields then keep what is stored. */
  stored?: StoredSecrets;
  problem?: FormProblem | undefined;
}

/** `aria-invalid` on the input a problem names (`headers.x-key` names the headers field). */
function invalidIf(problem: FormProblem | undefined, name: string): Html {
  const field = problem?.field?.split('.')[0];
  return field === name ? html` aria-invalid="true"` : html``;
}

function problemNotice(problem: FormProblem | undefined): Html | string {
  if (!problem) return '';
  const field = problem.field ? html` (field <code>${problem.field}</code>)` : '';
  return flash('bad', html`<code>${problem.code}</code>${field}: ${problem.message}`);
}

function secretFields(spec: EndpointFormSpec): Html {
  const p = spec.problem;
  const s = spec.stored;
  if (!s) {
    return html`<label>Authorization header value <span class="muted">(optional; never shown again)</span><input name="authorization" type="password" maxlength="4096" autocomplete="off" spellcheck="false" autocapitalize="off"${invalidIf(p, 'authorization')}></label>
<label>Extra headers <span class="muted">(one <code>Name: value</code> per line; values never shown again)</span><textarea name="headers" rows="3" maxlength="8192" spellcheck="false" autocapitalize="off"${invalidIf(p, 'headers')}></textarea></label>`;
  }
  const names = s.headerNames.length
    ? join(
        s.headerNames.map((n) => html`<code>${n}</code>`),
        ', ',
      )
    : html`none`;
  return html`<fieldset><legend>Authorization header <span class="muted">(${s.hasAuthorization ? 'set, not shown' : 'not set'})</span></legend>
<label>New value <span class="muted">(empty keeps ${s.hasAuthorization ? 'the current one' : 'none'})</span><input name="authorization" type="password" maxlength="4096" autocomplete="off" spellcheck="false" autocapitalize="off"${invalidIf(p, 'authorization')}></label>
${s.hasAuthorization ? html`<label class="check"><input type="checkbox" name="removeAuthorization" value="1"> Remove the authorization value</label>` : ''}
</fieldset>
<fieldset><legend>Extra headers <span class="muted">(now: ${names}; values not shown)</span></legend>
<label>Replace them all with <span class="muted">(one <code>Name: value</code> per line; empty keeps them as they are)</span><textarea name="headers" rows="3" maxlength="8192" spellcheck="false" autocapitalize="off"${invalidIf(p, 'headers')}></textarea></label>
${s.headerNames.length ? html`<label class="check"><input type="checkbox" name="removeHeaders" value="1"> Remove every extra header</label>` : ''}
</fieldset>`;
}

/**
 * The endpoint form, to add one or edit one. An edit is filled with what may be shown and never with a
 * secret: the authorization value and header values are only said to be set; left empty, they stay as they
 * are. The fields that carry credentials (the URL's query, the authorization value, header values) have
 * spell checking off: a browser's enhanced spell check sends what is typed to a remote service.
 */
function endpointForm(ctx: PageContext, spec: EndpointFormSpec): Html {
  const { values: v, problem: p, stored } = spec;
  const known = new Set<string>(KNOWN_TOPICS.map(([topic]) => topic));
  const others = v.topics.filter((t) => !known.has(t)).join(', ');
  const urlNote = stored?.hiddenUrl
    ? html` <span class="muted">(now <code>${stored.hiddenUrl}</code>, query not shown; empty keeps it)</span>`
    : stored
      ? html` <span class="muted">(empty keeps it)</span>`
      : '';
  return html`<form method="post" action="${spec.action}" class="stack form" id="endpoint-form" data-enhance>
${csrfField(ctx)}
${stored ? '' : html`<input type="hidden" name="nonce" value="${randomUUID()}">`}
<label>Description <span class="muted">(a nickname)</span><input name="description" maxlength="200" autocomplete="off" value="${v.description}"${invalidIf(p, 'description')}></label>
<label>Endpoint URL${urlNote}<input name="url" type="url"${stored ? '' : ' required'} maxlength="2048" placeholder="https://example.com/webhooks" autocomplete="off" spellcheck="false" autocapitalize="off" value="${v.url}"${invalidIf(p, 'url')}></label>
${secretFields(spec)}
<fieldset><legend>Topics</legend>
${KNOWN_TOPICS.map(([topic, label]) => html`<label class="check"><input type="checkbox" name="topics" value="${topic}"${v.topics.includes(topic) ? ' checked' : ''}> <code>${breakable(topic)}</code> <span class="muted">${label}</span></label>`)}
<label>Other topics <span class="muted">(comma-separated, e.g. invoice.paid)</span><input name="otherTopics" maxlength="2000" autocomplete="off" value="${others}"${invalidIf(p, 'topics')}></label>
</fieldset>
<label>Only these jobs <span class="muted">(comma-separated ids; empty for every job)</span><input name="jobIds" maxlength="20000" autocomplete="off" value="${v.jobIds}"${invalidIf(p, 'jobIds')}></label>
<div class="row"><button type="submit" class="btn primary">${spec.submit}</button> <a href="${spec.cancel}" class="btn plain" data-close>Cancel</a></div>
</form>`;
}

/** The "Add endpoint" form: its own page without JavaScript, a dialog with it. */
export function newEndpointPage(ctx: PageContext, problem?: FormProblem): PageBody {
  return {
    heading: 'Add endpoint',
    section: 'endpoints',
    live: false,
    notice: problemNotice(problem),
    content: endpointForm(ctx, {
      action: href(ctx, '/endpoints'),
      cancel: href(ctx, '/endpoints'),
      submit: 'Add endpoint',
      values: { description: '', url: '', topics: ['job.execution.failed'], jobIds: '' },
      problem,
    }),
  };
}

/** The form's values for an endpoint as stored: its URL only when it has no query to hide. */
export function storedValues(e: EndpointView): EndpointFormValues {
  return {
    description: e.description ?? '',
    url: urlHidden(e) ? '' : e.url,
    topics: e.topics,
    jobIds: (e.jobIds ?? []).join(', '),
  };
}

/** The URL as shown leaves something out (a query), or is not a URL to show. */
function urlHidden(e: EndpointView): boolean {
  return e.url.endsWith('?…') || !e.url.startsWith('http');
}

/**
 * The "Edit endpoint" form, filled with the endpoint's description, URL, topics and job filter; after a
 * rejected post, with what was posted (never a secret-bearing field) and the error.
 */
export function editEndpointPage(
  ctx: PageContext,
  e: EndpointView,
  values: EndpointFormValues = storedValues(e),
  problem?: FormProblem,
): PageBody {
  const page = href(ctx, `/endpoints/${encodeURIComponent(e.id)}`);
  return {
    heading: `Edit ${e.description ?? e.id}`,
    section: 'endpoints',
    live: false,
    notice: problemNotice(problem),
    content: endpointForm(ctx, {
      action: `${page}/edit`,
      cancel: page,
      submit: 'Save changes',
      values,
      stored: {
        hiddenUrl: urlHidden(e) ? e.url : null,
        hasAuthorization: e.hasAuthorization,
        headerNames: e.headerNames,
      },
      problem,
    }),
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
