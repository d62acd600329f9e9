/** Each action over real HTTP: the redirect that follows it and the page that shows its outcome. */
import { beforeEach, describe, expect, it } from 'vitest';
import { serve, worldPerTest } from './fixture.js';

const t = worldPerTest();
const text = t.page;
const postForm = t.post;

describe('actions show their outcome', () => {
  beforeEach(async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
  });

  it('run now redirects to the job page, which shows the finished run', async () => {
    const res = await postForm('/jobs/nightly-report/run');
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    const [run] = await t.world.scheduler.listRuns('nightly-report');
    expect(location).toBe(`/jobs/nightly-report?run=${run!.id}`);
    const { html } = await text(location);
    expect(html).toContain(`Run <code>${run!.id}</code> succeeded`);
    expect(html).toContain(`id="run-${run!.id}"`);
    expect(html).toMatch(/>manual</);
  });

  it('pause and resume change the next run shown', async () => {
    const before = await text('/jobs/sync-crm');
    expect(before.html).toMatch(/Next run<\/dt><dd><time/);
    await postForm('/jobs/sync-crm/pause');
    const paused = await text('/jobs/sync-crm?done=paused');
    expect(paused.html).toContain('none while paused');
    expect(paused.html).toContain('>Resume</button>');
    await postForm('/jobs/sync-crm/resume');
    const resumed = await text('/jobs/sync-crm');
    expect(resumed.html).toMatch(/Next run<\/dt><dd><time/);
  });

  it('ping shows the receiver’s answer; redeliver keeps the webhook-id', async () => {
    t.world.transport.reply([{ status: 503 }]);
    const ping = await postForm(`/endpoints/${t.world.endpointId}/ping`);
    expect(ping.status).toBe(303);
    const { html } = await text(ping.headers.get('location')!);
    expect(html).toContain('Ping failed');
    t.world.transport.reply([{ status: 204 }]);
    const sent = t.world.transport.requests.length;
    const redeliver = await postForm(`/deliveries/${t.world.deliveryIds.failed}/redeliver`);
    expect(redeliver.status).toBe(303);
    const page = await text(redeliver.headers.get('location')!);
    expect(page.html).toContain('Redelivered with the same webhook-id: HTTP 204');
    const delivery = await t.world.notifier.getDelivery(t.world.deliveryIds.failed);
    const again = t.world.transport.requests[sent]!;
    expect(again.headers['webhook-id']).toBe(delivery!.messageId);
    expect(page.html).toContain(`<code id="webhook-id">${delivery!.messageId}</code>`);
  });

  it('replay counts first, then replays on confirmation', async () => {
    const since = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    await t.world.notifier.publish('invoice.paid', { id: 1 });
    // Fail the published delivery: one attempt, no retry schedule.
    const pending = await t.world.notifier.listDeliveries({ status: 'pending' });
    t.world.transport.reply([{ status: 500 }]);
    await t.world.notifier.redeliver(pending.deliveries[0]!.id);
    const stored = await t.world.storage.getDelivery(pending.deliveries[0]!.id);
    await t.world.storage.updateDelivery({ ...stored!, status: 'failed', nextAttemptAt: null });
    const preview = await postForm('/deliveries/replay', { endpointId: t.world.endpointId, since });
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toMatch(/<p>1 failed delivery to/);
    expect((await t.world.storage.getDelivery(stored!.id))?.status).toBe('failed');
    const confirm = await postForm('/deliveries/replay', {
      endpointId: t.world.endpointId,
      since,
      confirm: '1',
    });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toContain('done=replayed');
    expect((await t.world.storage.getDelivery(stored!.id))?.status).toBe('pending');
  });
});

describe('a change that keeps losing to another writer', () => {
  it('answers 409 Conflict, saying nothing was saved, and leaves the endpoint as it was', async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
    // Every compare-and-set finds the endpoint changed since it was read (another instance writing each time).
    t.world.storage.replaceEndpoint = async () => false;
    const res = await postForm(`/endpoints/${t.world.endpointId}/disable`);
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain('nothing was saved');
    expect((await t.world.notifier.getEndpoint(t.world.endpointId))!.enabled).toBe(true);
  });
});
