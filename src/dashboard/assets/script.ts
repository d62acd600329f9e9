/**
 * The dashboard's script, served from the package at `<base>/assets/…js`. Everything works without it; with
 * it, forms post without a reload, "Add endpoint" opens in a dialog, the secret has a copy button, lists
 * refresh themselves and relative times stay current. Plain ES2020, no dependency, no inline code.
 */
export const SCRIPT = `(() => {
'use strict';
const doc = document;
const FETCH = { 'x-cronhook-fetch': '1' };
let dialog = null;
// Bumped by every swap: a refresh that was under way then must not overwrite what the swap showed (the
// one-time secret, an action's outcome).
let swaps = 0;

function parse(text) { return new DOMParser().parseFromString(text, 'text/html'); }

function swap(page, url, push) {
  const main = doc.querySelector('main');
  const next = page.querySelector('main');
  if (!main || !next) { location.href = url; return; }
  swaps++;
  main.innerHTML = next.innerHTML;
  doc.title = page.title;
  // A page that must stay put (the one-time secret, a confirmation) says so by having no data-refresh.
  const every = page.body.getAttribute('data-refresh');
  if (every) doc.body.setAttribute('data-refresh', every);
  else doc.body.removeAttribute('data-refresh');
  if (push && url !== location.href) history.pushState(null, '', url);
  // The dialog's form is done with: what was typed into it (a credential) does not stay in the page.
  if (dialog) { if (dialog.open) dialog.close(); dialog.replaceChildren(); }
  setup(main);
  const notice = main.querySelector('#notice .flash') || main.querySelector('h1');
  if (notice) { notice.setAttribute('tabindex', '-1'); notice.focus(); }
}

async function submit(form, submitter) {
  const question = form.getAttribute('data-confirm');
  if (question && !confirm(question)) return;
  const button = submitter || form.querySelector('button[type=submit]');
  if (button) button.setAttribute('aria-busy', 'true');
  try {
    const body = new URLSearchParams(new FormData(form, submitter));
    const res = await fetch(form.action, { method: 'POST', body, headers: FETCH, credentials: 'same-origin' });
    const page = parse(await res.text());
    swap(page, res.url, res.redirected);
  } catch (error) {
    form.submit();
  } finally {
    if (button) button.removeAttribute('aria-busy');
  }
}

async function openDialog(link) {
  const res = await fetch(link.href, { headers: FETCH, credentials: 'same-origin' });
  const page = parse(await res.text());
  const content = page.querySelector('#content');
  if (!res.ok || !content) { location.href = link.href; return; }
  if (!dialog) {
    dialog = doc.createElement('dialog');
    dialog.setAttribute('aria-labelledby', 'dialog-title');
    doc.body.appendChild(dialog);
  }
  const title = doc.createElement('h2');
  title.id = 'dialog-title';
  title.textContent = link.getAttribute('data-title') || link.textContent;
  dialog.replaceChildren(title, ...content.childNodes);
  dialog.showModal();
  const first = dialog.querySelector('input:not([type=hidden]),select,textarea');
  if (first) first.focus();
}

function setup(root) {
  for (const button of root.querySelectorAll('button[data-copy]')) button.hidden = false;
}

doc.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-enhance')) return;
  event.preventDefault();
  submit(form, event.submitter);
});

doc.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  const link = target.closest('a[data-dialog]');
  if (link && typeof HTMLDialogElement === 'function') {
    event.preventDefault();
    openDialog(link).catch(() => { location.href = link.href; });
    return;
  }
  const close = target.closest('[data-close]');
  if (close && dialog && dialog.contains(close)) { event.preventDefault(); dialog.close(); return; }
  const copy = target.closest('button[data-copy]');
  if (copy) {
    const source = doc.getElementById(copy.getAttribute('data-copy'));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim()).then(
        () => { copy.textContent = 'Copied'; },
        () => { copy.textContent = 'Select and copy'; });
    }
  }
});

window.addEventListener('popstate', () => { location.reload(); });

// Leaving the page takes the one-time secret and what was typed into the endpoint form with it: a page kept
// for the back button (the back/forward cache) must not show them again.
window.addEventListener('pagehide', () => {
  for (const el of doc.querySelectorAll('.secret')) el.textContent = '';
  for (const form of doc.querySelectorAll('#endpoint-form')) form.reset();
});

function relative(ms) {
  const diff = ms - Date.now();
  const abs = Math.abs(diff);
  if (abs < 1000) return 'now';
  let text;
  if (abs < 60000) text = Math.round(abs / 1000) + ' s';
  else if (abs < 3600000) text = Math.round(abs / 60000) + ' min';
  else if (abs < 172800000) text = Math.round(abs / 3600000) + ' h';
  else text = Math.round(abs / 86400000) + ' d';
  return diff > 0 ? 'in ' + text : text + ' ago';
}

function tick() {
  for (const el of doc.querySelectorAll('.rel[data-rel]')) el.textContent = relative(Number(el.getAttribute('data-rel')));
}

async function refresh() {
  const content = doc.getElementById('content');
  // The page may have been swapped for one that must stay put (the secret) since this refresh was timed.
  if (!content || doc.hidden || (dialog && dialog.open) || !doc.body.hasAttribute('data-refresh')) return;
  const active = doc.activeElement;
  // Not while the viewer types, or scrolls a table with the keyboard (the swap would drop the focus).
  if (active && content.contains(active) && active.matches('input,select,textarea,button,.table-wrap')) return;
  const url = location.href;
  const before = swaps;
  const res = await fetch(url, { headers: FETCH, credentials: 'same-origin' });
  if (!res.ok || url !== location.href || before !== swaps) return;
  const fresh = parse(await res.text()).getElementById('content');
  if (before !== swaps || !doc.body.hasAttribute('data-refresh')) return;
  if (fresh && fresh.innerHTML !== content.innerHTML) {
    // A table scrolled sideways (on a phone) stays where the viewer scrolled it.
    const scrolled = Array.from(content.querySelectorAll('.table-wrap'), (el) => el.scrollLeft);
    content.innerHTML = fresh.innerHTML;
    content.querySelectorAll('.table-wrap').forEach((el, i) => { if (scrolled[i]) el.scrollLeft = scrolled[i]; });
    setup(content);
  }
}

setup(doc);
setInterval(tick, 15000);
// Re-read each time: a swapped-in page may turn refreshing on or off.
function loop() {
  const every = Number(doc.body.getAttribute('data-refresh')) || 0;
  setTimeout(() => {
    (every > 0 ? refresh() : Promise.resolve()).catch(() => {}).then(loop);
  }, every > 0 ? every : 2000);
}
loop();
})();
`;
