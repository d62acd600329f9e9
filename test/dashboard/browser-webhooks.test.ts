/**
 * Endpoints and deliveries in a real browser (system Chromium): an endpoint added and its secret shown once,
 * ping, rotation, redelivery; then no seeded secret on any page.
 */
import { describe, expect, it } from 'vitest';
import { secretsIn } from './fixture.js';
import {
  allPages,
  expectNoSeededSecretAfterAll,
  openLiveDashboard,
  page,
  url,
  world,
} from './live-browser.js';

openLiveDashboard();

describe('endpoints', () => {
  it('adds an endpoint in a dialog and shows its secret once, never again on any page', async () => {
    await page.goto(url('/endpoints'));
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByLabel('Description').fill('Billing alerts');
    await dialog.getByLabel('Endpoint URL').fill('https://billing.example.com/hooks');
    await dialog.getByLabel('Authorization header value').fill('Bearer billing-auth-77');
    await dialog.getByLabel('Extra headers').fill('X-Billing: billing-header-88');
    await dialog.getByLabel('job.execution.succeeded').check();
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    const secretBox = page.locator('#secret');
    await expect.poll(() => secretBox.isVisible()).toBe(true);
    const secret = (await secretBox.textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await expect.poll(() => page.getByRole('button', { name: 'Copy' }).isVisible()).toBe(true);
    const added = (await world.notifier.listEndpoints()).find((e) => e.description === 'Billing alerts')!;
    expect(added.topics).toEqual(['job.execution.failed', 'job.execution.succeeded']);
    const pages = [...(await allPages()), `/endpoints/${added.id}`];
    for (const path of pages) {
      await page.goto(url(path));
      const html = await page.content();
      expect(
        secretsIn(html, [secret, world.endpointSecret, 'billing-auth-77', 'billing-header-88']),
        path,
      ).toEqual([]);
    }
  });

  it('keeps the revealed secret through live refreshes, and drops it and the typed credentials when the page is left', async () => {
    await page.goto(url('/endpoints'));
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByLabel('Endpoint URL').fill('https://left.example.com/hooks');
    await dialog.getByLabel('Authorization header value').fill('Bearer left-auth-55');
    await dialog.getByLabel('Extra headers').fill('X-Left: left-header-66');
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    await expect.poll(() => page.locator('#secret').isVisible()).toBe(true);
    const secret = (await page.locator('#secret').textContent())!.trim();
    // The live refresh (every 400 ms here) timed before the reveal must not replace it with the list it was
    // opened from: the secret stays until the viewer leaves (it vanished after one interval).
    await page.waitForTimeout(1_500);
    expect((await page.locator('#secret').textContent())?.trim()).toBe(secret);
    // What the browser does when it leaves a page it may keep (a string: this file is checked against Node).
    await page.evaluate(`window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }))`);
    expect((await page.locator('#secret').textContent())?.trim()).toBe('');
    const typed = await page.evaluate(
      `[...document.querySelectorAll('#endpoint-form input, #endpoint-form textarea')].map((f) => f.value).join(' ')`,
    );
    expect(typed).not.toContain('left-auth-55');
    expect(typed).not.toContain('left-header-66');
  });

  it('ping shows the outcome without a reload', async () => {
    world.transport.reply([{ status: 202 }]);
    await page.goto(url(`/endpoints/${world.endpointId}`));
    await page.evaluate('window.marker = 1');
    await page.getByRole('button', { name: 'Ping' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toContain('Ping answered HTTP 202');
    expect(await page.evaluate('window.marker')).toBe(1);
  });

  it('rotating shows the new secret once', async () => {
    page.once('dialog', (d) => void d.accept());
    await page.goto(url(`/endpoints/${world.endpointId}`));
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await expect.poll(() => page.locator('#secret').isVisible()).toBe(true);
    const secret = (await page.locator('#secret').textContent())!.trim();
    await page.goto(url(`/endpoints/${world.endpointId}`));
    const html = await page.content();
    expect(html).not.toContain(secret);
    expect(html).toContain('2 secrets sign');
  });
});

describe('deliveries', () => {
  it('redeliver keeps the webhook-id', async () => {
    world.transport.reply([{ status: 200 }]);
    await page.goto(url(`/deliveries/${world.deliveryIds.failed}`));
    const webhookId = (await page.locator('#webhook-id').textContent())!.trim();
    const sent = world.transport.requests.length;
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toContain('same webhook-id');
    expect(world.transport.requests[sent]?.headers['webhook-id']).toBe(webhookId);
  });
});

it('shows no seeded secret anywhere after all of the above', expectNoSeededSecretAfterAll);
