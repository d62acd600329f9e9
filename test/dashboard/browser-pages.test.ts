/** Every page of the dashboard in a real browser (system Chromium): no console error or CSP violation, axe, widths, weight. */
import { describe, expect, it } from 'vitest';
import { COLOUR_RULES, seriousViolations, watchedPage } from './browser.js';
import { allPages, browser, openLiveDashboard, page, problems, url } from './live-browser.js';

openLiveDashboard();

/** These tests run axe on every page (twice over, for the widths): ~20 s on a quiet machine, 90 s at load 20. */
const AXE_MS = 180_000;

describe('every page', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(
      `loads with no console error and no CSP violation, and axe finds nothing serious (${scheme})`,
      async () => {
        await page.emulateMedia({ colorScheme: scheme });
        for (const path of await allPages()) {
          const res = await page.goto(url(path));
          expect(res?.status(), path).toBe(200);
          expect(await page.locator('h1').count()).toBe(1);
          // Dark differs from light only in colour: its pass runs the colour rules (a third of the file's time).
          const rules = scheme === 'dark' ? COLOUR_RULES : undefined;
          expect(await seriousViolations(page, rules), `${scheme} ${path}`).toEqual([]);
        }
        expect(problems).toEqual([]);
      },
      AXE_MS,
    );
  }

  it(
    'fits 1280 px with no table cut, and a phone with nothing but tables scrolling sideways',
    async () => {
      for (const [width, height] of [
        [1280, 860],
        [375, 740],
      ] as const) {
        const sized = await browser.browser.newContext({ viewport: { width, height } });
        const { page: sizedPage } = await watchedPage(sized);
        for (const path of await allPages()) {
          await sizedPage.goto(url(path));
          const pageOverflow = Number(
            await sizedPage.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
          );
          expect(pageOverflow, `${width} px: ${path}`).toBeLessThanOrEqual(0);
          // On a phone the wide tables scroll: each such box must still be reachable from the keyboard.
          if (width < 1280) {
            expect(await seriousViolations(sizedPage), `${width} px: ${path}`).toEqual([]);
            continue;
          }
          // At a laptop's width every table fits its box: ids and topics wrap at their separators.
          const cut = await sizedPage.evaluate(
            `[...document.querySelectorAll('.table-wrap')].filter((el) => el.scrollWidth > el.clientWidth + 1).length`,
          );
          expect(cut, `${width} px: ${path}`).toBe(0);
        }
        await sized.close();
      }
    },
    AXE_MS,
  );

  it('weighs under 100 KB with its assets, and works on a phone-sized screen', async () => {
    const bodies: Array<Promise<number>> = [];
    const onResponse = (r: import('playwright-core').Response) => {
      bodies.push(
        r.body().then(
          (b) => b.length,
          () => 0,
        ),
      );
    };
    const fresh = await browser.browser.newContext({ viewport: { width: 375, height: 740 } });
    const { page: phone, problems: phoneProblems } = await watchedPage(fresh);
    phone.on('response', onResponse);
    await phone.goto(url('/jobs/sync-crm'), { waitUntil: 'load' });
    const bytes = (await Promise.all(bodies)).reduce((a, b) => a + b, 0);
    expect(bodies.length).toBe(3); // the page, its stylesheet and its script: nothing else, no CDN
    expect(bytes).toBeGreaterThan(5_000);
    expect(bytes).toBeLessThan(100_000);
    // Nothing wider than the screen but the tables, which scroll inside their own box.
    const overflow = Number(await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    expect(phoneProblems).toEqual([]);
    await fresh.close();
  });
});
