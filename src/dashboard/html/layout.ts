import { VERSION } from '../../version.js';
import { href, type PageContext } from '../pages/context.js';
import { type Html, type HtmlValue, html } from './template.js';

export interface PageBody {
  /** The page's own title (the `<h1>` and the first part of `<title>`). */
  heading: string;
  /** Which navigation entry is current. */
  section: 'overview' | 'jobs' | 'endpoints' | 'deliveries' | null;
  /** Buttons or links beside the heading. */
  tools?: HtmlValue;
  /** A notice above the content. */
  notice?: HtmlValue;
  content: HtmlValue;
  /** False for pages that must not refresh themselves (forms, the secret reveal). */
  live?: boolean;
}

function navLink(ctx: PageContext, path: string, label: string, current: boolean): Html {
  return html`<a href="${href(ctx, path)}"${current ? html` aria-current="page"` : ''}>${label}</a>`;
}

/** The switch between UTC and each job's timezone; a plain link, remembered in a cookie. */
function zoneSwitch(ctx: PageContext): Html {
  const link = (mode: 'utc' | 'job', label: string) => {
    const q = new URLSearchParams(ctx.query);
    q.set('tz', mode);
    q.delete('done');
    const url = `${ctx.base}${ctx.path}?${q.toString()}`;
    return ctx.zoneMode === mode
      ? html`<a href="${url}" aria-current="true">${label}</a>`
      : html`<a href="${url}">${label}</a>`;
  };
  return html`<div class="zone" role="group" aria-label="Show times in">${link('utc', 'UTC')}${link('job', "Job's zone")}</div>`;
}

/** The whole document around a page's content. */
export function layout(ctx: PageContext, page: PageBody): Html {
  const live = page.live !== false && ctx.refreshMs > 0;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="color-scheme" content="light dark">
<meta name="csrf-token" content="${ctx.csrfToken}">
<title>${page.heading} · ${ctx.title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ctx.assets.css}">
<script src="${ctx.assets.js}" defer></script>
</head>
<body${live ? html` data-refresh="${ctx.refreshMs}"` : ''}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="${href(ctx, '/')}">${ctx.title}</a>
<nav aria-label="Sections">
${navLink(ctx, '/', 'Overview', page.section === 'overview')}
${ctx.sections.jobs ? navLink(ctx, '/jobs', 'Jobs', page.section === 'jobs') : ''}
${ctx.sections.webhooks ? navLink(ctx, '/endpoints', 'Endpoints', page.section === 'endpoints') : ''}
${ctx.sections.webhooks ? navLink(ctx, '/deliveries', 'Deliveries', page.section === 'deliveries') : ''}
</nav>
${zoneSwitch(ctx)}
</header>
<main id="main" tabindex="-1">
<div class="heading"><h1>${page.heading}</h1>${page.tools ? html`<div class="tools">${page.tools}</div>` : ''}</div>
<div id="notice">${page.notice ?? ''}</div>
<div id="content" data-live>${page.content}</div>
</main>
<footer class="foot">cronhook ${VERSION} · <span class="muted">${ctx.allowed.size === 0 ? 'read-only' : `${ctx.allowed.size} actions allowed`}</span></footer>
</body>
</html>`;
}

/** A page for an error: the status, a short message, a way back; never a stack trace. */
export function errorDocument(base: string | null, status: number, message: string, cssUrl: string): Html {
  const heading = `${status} ${STATUS_TEXT[status] ?? 'Error'}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${heading}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${cssUrl}">
</head>
<body>
<main id="main" class="error-page">
<h1>${heading}</h1>
<p>${message}</p>
${base === null ? '' : html`<p><a href="${base}/">Back to the overview</a></p>`}
</main>
</body>
</html>`;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Too large',
  500: 'Internal error',
  503: 'Unavailable',
};
