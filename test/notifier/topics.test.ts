import { describe, expect, it } from 'vitest';
import { endpointMatches, topicMatches } from '../../src/notifier/topics.js';
import { createNotifierHarness } from '../helpers/notifier.js';

describe('topicMatches', () => {
  it.each([
    ['*', 'job.execution.failed', true],
    ['*', 'invoice.paid', true],
    ['job.*', 'job.execution.failed', true],
    ['job.execution.*', 'job.execution.started', true],
    ['job.*', 'jobs.x', false],
    ['job.*', 'job', false],
    ['job.*', 'jo', false],
    ['job.*', 'jobs', false],
    ['invoice.*', 'invoice.paid', true],
    ['job.execution.failed', 'job.execution.failed', true],
    ['job.execution.failed', 'job.execution.failed.extra', false],
    ['job.execution.failed', 'job.execution.succeeded', false],
  ])('%s selects %s: %s', (pattern, topic, expected) => {
    expect(topicMatches(pattern, topic)).toBe(expected);
  });
});

describe('endpointMatches', () => {
  const subject = { topic: 'job.execution.failed', jobId: 'nightly', metadata: { tenant: 'acme', tier: 2 } };
  const endpoint = { topics: ['job.*'], jobIds: null, match: null };

  it('filters by topic, then jobIds, then metadata values', () => {
    expect(endpointMatches(endpoint, subject)).toBe(true);
    expect(endpointMatches({ ...endpoint, topics: ['invoice.*'] }, subject)).toBe(false);
    expect(endpointMatches({ ...endpoint, jobIds: ['nightly', 'other'] }, subject)).toBe(true);
    expect(endpointMatches({ ...endpoint, jobIds: ['other'] }, subject)).toBe(false);
    expect(endpointMatches({ ...endpoint, match: { metadata: { tenant: 'acme' } } }, subject)).toBe(true);
    expect(endpointMatches({ ...endpoint, match: { metadata: { tenant: 'acme', tier: 2 } } }, subject)).toBe(
      true,
    );
    expect(endpointMatches({ ...endpoint, match: { metadata: { tier: '2' } } }, subject)).toBe(false);
    expect(endpointMatches({ ...endpoint, match: { metadata: { tenant: 'globex' } } }, subject)).toBe(false);
    expect(endpointMatches({ ...endpoint, match: { metadata: { region: null } } }, subject)).toBe(false);
    expect(endpointMatches({ ...endpoint, match: { metadata: {} } }, subject)).toBe(true);
  });

  it('never passes an event without a job through a job filter', () => {
    const appEvent = { topic: 'job.custom', jobId: null, metadata: null };
    expect(endpointMatches(endpoint, appEvent)).toBe(true);
    expect(endpointMatches({ ...endpoint, jobIds: ['nightly'] }, appEvent)).toBe(false);
    expect(endpointMatches({ ...endpoint, match: { metadata: { tenant: 'acme' } } }, appEvent)).toBe(false);
  });

  it('does not match inherited properties', () => {
    const withProto = { ...subject, metadata: Object.create({ tenant: 'acme' }) as Record<string, unknown> };
    expect(endpointMatches({ ...endpoint, match: { metadata: { tenant: 'acme' } } }, withProto)).toBe(false);
  });
});

describe('publish: the topic', () => {
  it.each([
    ['invoice.paid'],
    ['job.execution.failed'],
    ['a'],
    ['Order_Created-v2.eu'],
    [`${'a'.repeat(98)}.${'b'.repeat(101)}`], // 200 characters
  ])('accepts %s', async (topic) => {
    const h = createNotifierHarness();
    await h.notifier.addEndpoint({ url: 'https://a.example.com/' });
    const messageId = await h.notifier.publish(topic, {});
    expect((await h.notifier.listDeliveries()).deliveries).toMatchObject([{ messageId, topic }]);
  });

  it.each([
    ['webhook.ping', 'reserved for the library'],
    ['webhook.anything', 'reserved for the library'],
    [`${'a'.repeat(100)}.${'b'.repeat(100)}`, '201 characters'],
    ['', 'empty'],
    ['invoice..paid', 'an empty word'],
    ['.invoice', 'a leading dot'],
    ['invoice paid', 'a space'],
    ['invoice/paid', 'a slash'],
    [42, 'not a string'],
  ] as Array<[unknown, string]>)(
    'refuses %s (%s) with ERR_INVALID_OPTION on topic, storing nothing',
    async (topic) => {
      const h = createNotifierHarness();
      await h.notifier.addEndpoint({ url: 'https://a.example.com/' });
      await expect(h.notifier.publish(topic as string, {})).rejects.toMatchObject({
        code: 'ERR_INVALID_OPTION',
        field: 'topic',
        message: expect.stringContaining('"webhook." prefix is reserved'),
      });
      expect((await h.notifier.listDeliveries()).deliveries).toEqual([]);
    },
  );
});

describe('publish: the data', () => {
  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a BigInt', 10n],
    ['an object whose toJSON gives undefined', { toJSON: () => undefined }],
    [
      'a cycle',
      (() => {
        const a: Record<string, unknown> = {};
        a.self = a;
        return a;
      })(),
    ],
  ])('refuses %s (it was sent as a body without data), storing nothing', async (_label, data) => {
    const h = createNotifierHarness();
    await h.notifier.addEndpoint({ url: 'https://a.example.com/' });
    await expect(h.notifier.publish('invoice.paid', data)).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      field: 'data',
    });
    expect((await h.notifier.listDeliveries()).deliveries).toEqual([]);
  });

  it('refuses a body over 256 KiB and accepts one at the limit', async () => {
    const h = createNotifierHarness();
    await h.notifier.addEndpoint({ url: 'https://a.example.com/' });
    await expect(h.notifier.publish('invoice.paid', { blob: 'x'.repeat(262_144) })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      field: 'data',
      message: expect.stringContaining('at most 262144 bytes'),
    });
    expect((await h.notifier.listDeliveries()).deliveries).toEqual([]);
    // {"type":"invoice.paid","timestamp":"2026-01-01T00:00:00.000Z","data":{"blob":"..."}}
    const overhead = JSON.stringify({
      type: 'invoice.paid',
      timestamp: new Date(0).toISOString(),
      data: { blob: '' },
    });
    await h.notifier.publish('invoice.paid', { blob: 'x'.repeat(262_144 - overhead.length) });
    const [delivery] = (await h.notifier.listDeliveries()).deliveries;
    expect((await h.notifier.getDelivery(delivery!.id))?.message.body).toHaveLength(262_144);
  });

  it('sends null, numbers, strings and arrays as the data they are', async () => {
    const h = createNotifierHarness();
    await h.notifier.addEndpoint({ url: 'https://a.example.com/' });
    for (const data of [null, 0, 'text', [1, 'a']]) await h.notifier.publish('app.value', data);
    const { deliveries } = await h.notifier.listDeliveries();
    const bodies = await Promise.all(
      deliveries.map(async (d) => (await h.notifier.getDelivery(d.id))!.message.body),
    );
    expect(bodies.map((b) => JSON.parse(b).data).sort()).toEqual([null, 0, 'text', [1, 'a']].sort());
  });
});
