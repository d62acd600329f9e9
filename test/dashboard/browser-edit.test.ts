/** Editing an endpoint in a real browser (system Chromium): in the dialog, and without JavaScript. */
import { describe, expect, it } from 'vitest';
import { seriousViolations } from './browser.js';
import { secretsIn } from './fixture.js';
import { browser, openLiveDashboard, page, problems, url, world } from './live-browser.js';

openLiveDashboard();

describe('edit an endpoint', () => {
  it('in the dialog: filled without secrets, a bad URL answered with its error, saved in place; axe clean', async () => {
    const id = world.endpointId;
    await page.goto(url(`/endpoints/${id}`));
    await page.getByRole('link', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit endpoint' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await dialog.getByLabel('Description').inputValue()).toBe('Ops receiver');
    expect(await dialog.getByLabel('Endpoint URL').inputValue()).toBe('https://hooks.example.com/cron');
    expect(await dialog.getByLabel('New value').inputValue()).toBe('');
    expect(secretsIn(await page.content())).toEqual([]);
    await dialog.getByLabel('Description').fill('Ops receiver (EU)');
    await dialog.getByLabel('Endpoint URL').fill('https://user:typed-pass-61@hooks.example.com/cron');
    await dialog.getByLabel('New value').fill('Bearer typed-auth-62');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    const flash = page.locator('.flash');
    await expect.poll(() => flash.textContent()).toContain('ERR_INVALID_ENDPOINT (field url)');
    expect(secretsIn(await page.content(), ['typed-pass-61', 'typed-auth-62'])).toEqual([]);
    const typed = await page.evaluate(
      `[...document.querySelectorAll('input, textarea')].map((f) => f.value).join(' ')`,
    );
    expect(secretsIn(String(typed), ['typed-pass-61', 'typed-auth-62'])).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    expect((await world.notifier.getEndpoint(id))?.description).toBe('Ops receiver');
    // The form answered again keeps what was typed, but no secret-bearing field.
    const form = page.locator('#endpoint-form');
    expect(await form.getByLabel('Description').inputValue()).toBe('Ops receiver (EU)');
    await form.getByLabel('Endpoint URL').fill('https://hooks.example.com/v2');
    await form.getByLabel('job.execution.missed').check();
    await form.getByLabel('Only these jobs').fill('sync-crm');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => flash.textContent()).toContain('Saved');
    expect(await page.locator('h1').textContent()).toBe('Ops receiver (EU)');
    expect(await world.notifier.getEndpoint(id)).toMatchObject({
      description: 'Ops receiver (EU)',
      url: 'https://hooks.example.com/v2',
      topics: ['job.execution.missed', 'job.*', 'invoice.paid'],
      jobIds: ['sync-crm'],
      hasAuthorization: true,
      headerNames: ['x-api-key'],
    });
    expect((await world.storage.getEndpoint(id))?.authorization).not.toBe('Bearer typed-auth-62');
    expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
  });

  it('without JavaScript: a form post and a redirect to the endpoint page', async () => {
    const plain = await browser.browser.newContext({ javaScriptEnabled: false });
    const noJs = await plain.newPage();
    try {
      await noJs.goto(url(`/endpoints/${world.endpointId}`));
      await noJs.getByRole('link', { name: 'Edit' }).click();
      await noJs.getByLabel('Description').fill('Ops receiver (no JS)');
      await noJs.getByRole('button', { name: 'Save changes' }).click();
      await noJs.waitForURL(/done=edited/);
      expect(await noJs.locator('.flash').textContent()).toContain('Saved');
      expect(await noJs.locator('h1').textContent()).toBe('Ops receiver (no JS)');
      expect((await world.notifier.getEndpoint(world.endpointId))?.description).toBe('Ops receiver (no JS)');
    } finally {
      await plain.close();
    }
  });
});
