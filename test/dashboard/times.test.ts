/**
 * Times on every page: in UTC, or, when the viewer picks "Job's zone", a job's times (its runs, its next fire
 * times, the deliveries of its events, their attempts) in the job's own timezone; always with a relative time.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { formatInstant } from '../../src/dashboard/html/time.js';
import { postForm, serve, worldPerTest } from './fixture.js';

const ZONE = 'Europe/Paris'; // nightly-report's timezone in the fixture

const t = worldPerTest();

beforeEach(async () => {
  // One run that succeeds and one that fails: job.execution.* deliveries about nightly-report.
  await t.world.scheduler.triggerJob('nightly-report');
  t.world.scheduler.handle('report', async () => {
    throw new Error('report broke');
  });
  await t.world.scheduler.triggerJob('nightly-report');
  t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
});

async function page(path: string, mode: 'utc' | 'job'): Promise<string> {
  const res = await fetch(t.served!.url(`${path}${path.includes('?') ? '&' : '?'}tz=${mode}`));
  expect(res.status, path).toBe(200);
  return res.text();
}

/** The `<time>` of an instant as the page shows it in `zone` (date and clock each kept whole). */
function shown(date: Date, zone: string): string {
  const iso = date.toISOString();
  const [day, ...clock] = formatInstant(date, zone).split(' ');
  return `<time datetime="${iso}" title="${iso}"><span class="whole">${day}</span> <span class="whole">${clock.join(' ')}</span></time>`;
}

/** The table row of the page that links to `path`. */
function rowOf(html: string, path: string): string {
  const at = html.indexOf(`href="${path}"`);
  expect(at, path).toBeGreaterThan(-1);
  return html.slice(html.lastIndexOf('<tr', at), html.indexOf('</tr>', at));
}

describe('the viewer’s choice of UTC or the job’s zone', () => {
  it('shows the deliveries of a job’s events in its zone, and other deliveries in UTC', async () => {
    const ofJob = await t.world.storage.listDeliveries({ jobId: 'nightly-report' });
    expect(ofJob.length).toBeGreaterThanOrEqual(4); // started and finished, twice
    const ping = (await t.world.storage.getDelivery(t.world.deliveryIds.succeeded))!;
    for (const mode of ['utc', 'job'] as const) {
      const zone = mode === 'job' ? ZONE : 'UTC';
      const list = await page('/deliveries', mode);
      const endpoint = await page(`/endpoints/${t.world.endpointId}`, mode);
      for (const d of ofJob) {
        expect(rowOf(list, `/deliveries/${d.id}`)).toContain(shown(d.createdAt, zone));
        expect(rowOf(list, `/deliveries/${d.id}`)).toContain(shown(d.nextAttemptAt!, zone)); // pending
      }
      const newest = ofJob[0]!;
      expect(rowOf(endpoint, `/deliveries/${newest.id}`)).toContain(shown(newest.createdAt, zone));
      expect(rowOf(list, `/deliveries/${ping.id}`)).toContain(shown(ping.createdAt, 'UTC'));

      const detail = await page(`/deliveries/${newest.id}`, mode);
      expect(detail).toContain(shown(newest.createdAt, zone));
      const pingDetail = await page(`/deliveries/${ping.id}`, mode);
      const [attempt] = await t.world.storage.listAttempts(ping.id);
      expect(pingDetail).toContain(shown(attempt!.startedAt, 'UTC'));
    }
  });

  it('shows a job’s runs, on its page and among the overview’s failures, in its zone', async () => {
    const runs = await t.world.storage.listRuns({ jobId: 'nightly-report' });
    const failed = runs.find((r) => r.status === 'failed')!;
    for (const mode of ['utc', 'job'] as const) {
      const zone = mode === 'job' ? ZONE : 'UTC';
      const job = await page('/jobs/nightly-report', mode);
      for (const run of runs) expect(job).toContain(shown(run.scheduledAt, zone));
      const overview = await page('/', mode);
      expect(rowOf(overview, '/jobs/nightly-report')).toContain(shown(failed.scheduledAt, zone));
    }
  });
});

describe('relative times', () => {
  it('every time on every page has its relative form beside it', async () => {
    const paths = [
      '/',
      '/jobs',
      '/jobs/nightly-report',
      '/jobs/sync-crm',
      '/endpoints',
      `/endpoints/${t.world.endpointId}`,
      '/deliveries',
      `/deliveries/${t.world.deliveryIds.failed}`,
    ];
    for (const mode of ['utc', 'job'] as const) {
      for (const path of paths) {
        const html = await page(path, mode);
        const times = [
          ...html.matchAll(/<time [^>]+>.*?<\/time>( <span class="rel" data-rel="\d+">[^<]+<\/span>)?/g),
        ];
        expect(times.length, path).toBeGreaterThan(0);
        expect(
          times.filter((m) => m[1] === undefined).map((m) => m[0]),
          `${path} (${mode})`,
        ).toEqual([]);
      }
    }
  });

  it('the next fire times show each occurrence in the job’s zone with its relative time, and in UTC', async () => {
    const html = await page('/jobs/nightly-report', 'utc');
    const table = html.slice(
      html.indexOf('Next fire times'),
      html.indexOf('</table>', html.indexOf('Next fire times')),
    );
    const rows = [...table.matchAll(/<tr><td>(\d+)<\/td><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/g)];
    expect(rows).toHaveLength(10);
    for (const [, , local, utc] of rows) {
      expect(local).toMatch(
        /^<time datetime="([^"]+)"[^>]*>.*?<\/time> <span class="rel" data-rel="\d+">in \d+ (s|min|h|d)<\/span>$/,
      );
      const iso = /datetime="([^"]+)"/.exec(local!)![1]!;
      expect(local).toContain(shown(new Date(iso), ZONE));
      expect(utc).toBe(`<span class="whole">${formatInstant(new Date(iso), 'UTC')}</span>`);
    }
  });

  it('the page of a rotated secret says until when the old one signs', async () => {
    const res = await postForm(t.served!, `/endpoints/${t.world.endpointId}/rotate`, { graceHours: '24' });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(
      /Old secret signs until<\/dt><dd><time datetime="[^"]+" title="[^"]+">.*? UTC<\/span><\/time> <span class="rel" data-rel="\d+">in 24 h<\/span>/,
    );
  });
});
