/** Editing an endpoint over real HTTP: what changes, what is kept, what is refused, and no secret echoed. */
import { beforeEach, describe, expect, it } from 'vitest';
import { cookieOf, csrfOf, SECRETS, secretsIn, serve, worldPerTest } from './fixture.js';

const t = worldPerTest();

/** The edit form's fields as the browser posts them unchanged (checked boxes, filled inputs). */
function formFields(html: string): URLSearchParams {
  const form = /<form[^>]*id="endpoint-form"[\s\S]*?<\/form>/.exec(html)![0];
  const fields = new URLSearchParams();
  for (const [input] of form.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(input)?.[1];
    if (!name || name === 'csrf') continue;
    const type = /type="([^"]+)"/.exec(input)?.[1];
    if (type === 'checkbox' && !input.includes(' checked')) continue;
    fields.append(name, /value="([^"]*)"/.exec(input)?.[1]?.replaceAll('&amp;', '&') ?? '');
  }
  fields.set('headers', '');
  return fields;
}

async function editForm(): Promise<URLSearchParams> {
  const { status, html } = await t.page(`/endpoints/${t.world.endpointId}/edit`);
  expect(status).toBe(200);
  return formFields(html);
}

const editPath = () => `/endpoints/${t.world.endpointId}/edit`;

describe('edit an endpoint', () => {
  beforeEach(async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
  });

  it('the endpoint page links to a form filled with everything but the secrets', async () => {
    const endpoint = await t.page(`/endpoints/${t.world.endpointId}`);
    expect(endpoint.html).toContain(`href="${editPath()}"`);
    const { html } = await t.page(editPath());
    expect(secretsIn(html)).toEqual([]);
    expect(html).toContain('name="description" maxlength="200" autocomplete="off" value="Ops receiver"');
    expect(html).toContain('value="https://hooks.example.com/cron"');
    expect(html).toContain('value="job.*" checked');
    expect(html).not.toContain('value="job.execution.failed" checked');
    expect(html).toContain('name="otherTopics" maxlength="2000" autocomplete="off" value="invoice.paid"');
    expect(html).toMatch(/Authorization header <span class="muted">\(set, not shown\)/);
    expect(html).toContain('<code>x-api-key</code>');
    expect(html).toMatch(/<input name="authorization" type="password"[^>]*>/);
    expect(html).not.toMatch(/<input name="authorization"[^>]*value=/);
  });

  it('changes what the endpoint page and getEndpoint show, and keeps the secrets left empty', async () => {
    const fields = await editForm();
    fields.set('description', 'Billing receiver');
    fields.set('url', 'https://billing.example.com/hooks');
    fields.delete('topics');
    fields.append('topics', 'job.execution.failed');
    fields.set('otherTopics', 'invoice.refunded');
    fields.set('jobIds', 'sync-crm, nightly-report');
    const res = await t.post(editPath(), Object.fromEntries(fields));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/endpoints/${t.world.endpointId}?done=edited`);
    const endpoint = await t.world.notifier.getEndpoint(t.world.endpointId);
    expect(endpoint).toMatchObject({
      description: 'Billing receiver',
      url: 'https://billing.example.com/hooks',
      topics: ['job.execution.failed', 'invoice.refunded'],
      jobIds: ['sync-crm', 'nightly-report'],
      hasAuthorization: true,
      headerNames: ['x-api-key'],
    });
    const stored = await t.world.storage.getEndpoint(t.world.endpointId);
    expect(stored?.authorization).toBe(SECRETS.endpointAuth);
    expect(stored?.headers).toEqual({ 'x-api-key': SECRETS.endpointHeader });
    const { html } = await t.page(res.headers.get('location')!);
    expect(html).toContain('Saved');
    expect(html).toContain('<code>https://billing.example.com/hooks</code>');
    expect(html).toContain('<code>invoice.refunded</code>');
    expect(html).toContain('jobs:</span> sync-crm, nightly-report');
    expect(secretsIn(html)).toEqual([]);
  });

  it('replaces or removes the authorization value and the extra headers only when told', async () => {
    const replace = await editForm();
    replace.set('authorization', 'Bearer replaced-token-1');
    replace.set('headers', 'x-tenant: tenant-value-4242\nx-other: other-value-0001');
    expect((await t.post(editPath(), Object.fromEntries(replace))).status).toBe(303);
    let stored = await t.world.storage.getEndpoint(t.world.endpointId);
    expect(stored?.authorization).toBe('Bearer replaced-token-1');
    expect(stored?.headers).toEqual({ 'x-tenant': 'tenant-value-4242', 'x-other': 'other-value-0001' });
    const page = await t.page(editPath());
    expect(secretsIn(page.html, ['replaced-token-1', 'tenant-value-4242', 'other-value-0001'])).toEqual([]);

    const remove = await editForm();
    remove.set('removeAuthorization', '1');
    remove.set('removeHeaders', '1');
    expect((await t.post(editPath(), Object.fromEntries(remove))).status).toBe(303);
    stored = await t.world.storage.getEndpoint(t.world.endpointId);
    expect(stored?.authorization).toBeNull();
    expect(stored?.headers).toEqual({});
    const { html } = await t.page(`/endpoints/${t.world.endpointId}`);
    expect(html).toMatch(/Authorization<\/dt><dd>none/);
  });

  it('a URL with a query is never shown in the form, and kept when left empty', async () => {
    const withQuery = 'https://hooks.example.com/cron?token=url-query-secret-77';
    await t.world.notifier.updateEndpoint(t.world.endpointId, { url: withQuery });
    const fields = await editForm();
    expect(fields.get('url')).toBe('');
    const { html } = await t.page(editPath());
    expect(html).not.toContain('url-query-secret-77');
    expect(html).toContain('https://hooks.example.com/cron?…');
    fields.set('description', 'Renamed');
    expect((await t.post(editPath(), Object.fromEntries(fields))).status).toBe(303);
    const stored = await t.world.storage.getEndpoint(t.world.endpointId);
    expect(stored).toMatchObject({ url: withQuery, description: 'Renamed' });
  });

  it('bad input answers the form again with the code and field, echoes no secret, changes nothing', async () => {
    const before = await t.world.storage.getEndpoint(t.world.endpointId);
    const bad = await editForm();
    bad.set('url', 'ftp://files.example.com/in?key=typed-secret-31');
    bad.set('authorization', 'Bearer typed-auth-secret-59');
    bad.set('headers', 'x-new: typed-header-secret-83');
    bad.set('description', 'Kept as typed');
    const res = await t.post(editPath(), Object.fromEntries(bad));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('<code>ERR_INVALID_ENDPOINT</code> (field <code>url</code>)');
    expect(html).toMatch(/<input name="url"[^>]*aria-invalid="true"/);
    expect(html).toContain('value="Kept as typed"');
    expect(
      secretsIn(html, ['typed-secret-31', 'typed-auth-secret-59', 'typed-header-secret-83', 'ftp://']),
    ).toEqual([]);
    expect(await t.world.storage.getEndpoint(t.world.endpointId)).toEqual(before);

    const noTopic = await editForm();
    noTopic.delete('topics');
    noTopic.set('otherTopics', '');
    const again = await t.post(editPath(), Object.fromEntries(noTopic));
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('<code>ERR_INVALID_REQUEST</code> (field <code>topics</code>)');
    const badHeader = await editForm();
    badHeader.set('headers', 'x-bad: line\u0007break-secret-12');
    const third = await t.post(editPath(), Object.fromEntries(badHeader));
    expect(third.status).toBe(400);
    const thirdHtml = await third.text();
    expect(thirdHtml).toContain('(field <code>headers.x-bad</code>)');
    expect(thirdHtml).not.toContain('break-secret-12');
    expect(await t.world.storage.getEndpoint(t.world.endpointId)).toEqual(before);
  });

  it('answers 404 for an unknown endpoint', async () => {
    expect((await t.page('/endpoints/ep_nope/edit')).status).toBe(404);
    const res = await t.post('/endpoints/ep_nope/edit', { url: 'https://x.example.com', topics: '*' });
    expect(res.status).toBe(404);
  });
});

describe('edit is refused', () => {
  async function refused(options: { readOnly: true } | { permissions: { ping: true } }) {
    t.served = await serve({
      scheduler: t.world.scheduler,
      notifier: t.world.notifier,
      public: true,
      ...options,
    });
    const before = await t.world.storage.getEndpoint(t.world.endpointId);
    const { html } = await t.page(`/endpoints/${t.world.endpointId}`);
    expect(html).not.toContain(`href="${editPath()}"`);
    expect((await t.page(editPath())).status).toBe(403);
    const res = await t.post(editPath(), { url: 'https://evil.example.com/x', topics: '*' });
    expect(res.status).toBe(403);
    expect(await t.world.storage.getEndpoint(t.world.endpointId)).toEqual(before);
  }

  it('read-only', () => refused({ readOnly: true }));
  it('without the editEndpoint permission', () => refused({ permissions: { ping: true } }));

  it('from another origin, or without the session token', async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
    const before = await t.world.storage.getEndpoint(t.world.endpointId);
    const page = await fetch(t.served.url(editPath()));
    const cookie = cookieOf(page);
    const csrf = csrfOf(await page.text());
    const body = { csrf, url: 'https://evil.example.com/x', topics: '*' };
    const send = (headers: Record<string, string>, fields: Record<string, string>) =>
      fetch(t.served!.url(editPath()), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
        body: new URLSearchParams(fields),
      });
    expect((await send({ origin: 'https://evil.example.com' }, body)).status).toBe(403);
    expect((await send({ origin: t.served.origin }, { ...body, csrf: 'forged' })).status).toBe(403);
    expect(await t.world.storage.getEndpoint(t.world.endpointId)).toEqual(before);
  });
});
