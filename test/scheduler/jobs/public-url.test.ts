import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { HttpTarget, PublicHttpTarget } from '../../../src/scheduler/types.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { HttpTransport } from '../../../src/transport/http.js';
import { startHttpServer } from '../../helpers/http-server.js';
import { createTestScheduler } from '../../helpers/scheduler.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// A job's URL in what callers get back (getJob, listJobs, addJob/updateJob/upsertJob results, job.* events):
// origin and path only, with `urlHidden` saying what was left out. Storage keeps the whole URL and calls go to it.

const cleanups = useCleanups();
const TOKEN = 'q-T0KEN-8f3a9c';

describe('the URL in the public view of a job', () => {
  it('leaves out the query, says so, and still calls the whole URL (real HTTP on loopback)', async () => {
    const server = await startHttpServer();
    const storage = new MemoryStorage();
    const transport = new HttpTransport();
    const scheduler = new Scheduler({ storage, transport });
    cleanups.push(
      () => server.close(),
      () => transport.close(),
      () => scheduler.stop({ timeoutMs: 0 }),
    );
    const whole = server.url(`/report?token=${TOKEN}&region=eu`);
    const events: unknown[] = [];
    scheduler.on('job.added', (e) => void events.push(e));
    scheduler.on('job.updated', (e) => void events.push(e));
    const added = await scheduler.addJob({ id: 'report', schedule: '0 3 * * *', target: { url: whole } });
    const updated = await scheduler.updateJob('report', { name: 'Report' });
    const views = [added, updated, await scheduler.getJob('report'), ...(await scheduler.listJobs())];
    expect(views).toHaveLength(4);
    for (const job of [...views, ...events.map((e) => (e as { job: unknown }).job)]) {
      expect(job).toMatchObject({ target: { url: server.url('/report'), urlHidden: ['query'] } });
      expect(JSON.stringify(job)).not.toContain(TOKEN);
    }
    expect((await storage.getJob('report'))?.target).toMatchObject({ url: whole });

    const run = await scheduler.triggerJob('report');
    expect(run.status).toBe('succeeded');
    expect(server.requests.map((r) => r.path)).toEqual([`/report?token=${TOKEN}&region=eu`]);
  });

  it('says nothing is hidden for a URL without query or fragment', async () => {
    const { scheduler } = createTestScheduler();
    const job = await scheduler.addJob({
      id: 'plain',
      schedule: '0 3 * * *',
      target: { url: 'https://api.example.com/charge' },
    });
    expect(job.target).toMatchObject({ url: 'https://api.example.com/charge', urlHidden: [] });
  });

  it('hides credentials and fragment too, in a record written by older versions or other tools', async () => {
    const { scheduler, storage } = createTestScheduler();
    await scheduler.addJob({
      id: 'old',
      schedule: '0 3 * * *',
      target: { url: 'https://api.example.com/x' },
    });
    const record = (await storage.getJob('old'))!;
    const stored = `https://svc:pw-S3CRET@api.example.com/x?token=${TOKEN}#frag-9`;
    await storage.updateJob({ ...record, target: { ...record.target, url: stored } as HttpTarget });
    for (const job of [await scheduler.getJob('old'), ...(await scheduler.listJobs())]) {
      const target = job?.target as PublicHttpTarget;
      expect(target.url).toBe('https://api.example.com/x');
      expect(target.urlHidden).toEqual(['credentials', 'query', 'fragment']);
      expect(JSON.stringify(job)).not.toMatch(/pw-S3CRET|svc|q-T0KEN|frag-9/);
    }
  });

  it('upsertJob compares the stored URL: the same definition with a query token is unchanged', async () => {
    const { scheduler, clock, storage } = createTestScheduler();
    const definition = {
      id: 'sync',
      schedule: { every: '1h' },
      target: { url: `https://api.example.com/sync?token=${TOKEN}`, headers: { 'x-api-key': 'K3Y' } },
    };
    expect(await scheduler.upsertJob(definition)).toMatchObject({ created: true, updated: false });
    const before = await storage.getJob('sync');
    await clock.advance('5m');
    const again = await scheduler.upsertJob(definition);
    expect(again).toMatchObject({ created: false, updated: false });
    expect(again.job.target).toMatchObject({ url: 'https://api.example.com/sync', urlHidden: ['query'] });
    expect(await storage.getJob('sync')).toEqual(before);

    const changed = await scheduler.upsertJob({
      ...definition,
      target: { ...definition.target, url: 'https://api.example.com/sync?token=other-T0KEN' },
    });
    expect(changed).toMatchObject({ created: false, updated: true });
    expect((await storage.getJob('sync'))?.target).toMatchObject({
      url: 'https://api.example.com/sync?token=other-T0KEN',
    });
  });

  it('refuses a target copied from the public view (its URL lacks the query)', async () => {
    const { scheduler, storage } = createTestScheduler();
    const job = await scheduler.addJob({
      id: 'j',
      schedule: '0 3 * * *',
      target: { url: `https://api.example.com/x?token=${TOKEN}` },
    });
    const { headerNames: _names, hasSigningSecret: _signed, ...copied } = job.target as PublicHttpTarget;
    const error = await scheduler.updateJob('j', { target: copied as unknown as HttpTarget }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_INVALID_JOB', field: 'target.urlHidden' });
    expect((error as Error).message).toContain('the whole target.url');
    expect((await storage.getJob('j'))?.target).toMatchObject({
      url: `https://api.example.com/x?token=${TOKEN}`,
    });
  });
});
