import { describe, expect, it } from 'vitest';
import { createNotifierHarness } from './harness.js';

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
