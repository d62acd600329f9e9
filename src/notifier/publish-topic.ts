import { CronhookError, describeValue } from '../errors.js';

const TOPIC = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/**
 * Checks the topic of an event the app publishes: dot-separated words of at most 200 characters, outside
 * the `webhook.` prefix the library keeps for its own (`webhook.ping`).
 */
export function validatePublishTopic(topic: unknown): string {
  if (typeof topic !== 'string' || !TOPIC.test(topic) || topic.length > 200 || topic.startsWith('webhook.')) {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      `publish: topic ${describeValue(topic)} is not allowed; use dot-separated words such as "invoice.paid" (the "webhook." prefix is reserved)`,
      { field: 'topic' },
    );
  }
  return topic;
}
