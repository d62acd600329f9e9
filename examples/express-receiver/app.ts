/**
 * An Express app receiving cronhook webhooks. The two things that matter:
 *
 * 1. Verify against the RAW body: `express.raw({ type: 'application/json' })` on this route gives a Buffer.
 *    `express.json()` would parse it, and re-serialized JSON does not match the signature.
 * 2. Dedupe by `webhook-id`: deliveries are at-least-once, and a retry or a redelivery carries the same id.
 *    Here a Set stands in for what an app does with a unique index in its database.
 */
import { pathToFileURL } from 'node:url';
import { verifyWebhook, type WebhookEvent, WebhookVerificationError } from 'cronhook/verify';
import express, { type Express } from 'express';

export interface ReceiverOptions {
  /** The endpoint's secret(s): during a rotation, both the new and the old one. */
  secret: string | string[];
  /** The app's reaction to a new (not duplicate) event. */
  onEvent: (event: WebhookEvent, messageId: string) => void | Promise<void>;
}

export function createReceiverApp(options: ReceiverOptions): Express {
  const app = express();
  const seen = new Set<string>();

  app.post(
    '/webhooks/cronhook',
    express.raw({ type: 'application/json', limit: '1mb' }),
    async (req, res) => {
      let event: WebhookEvent;
      try {
        event = verifyWebhook<WebhookEvent>({
          payload: req.body as Buffer,
          headers: req.headers,
          secret: options.secret,
        });
      } catch (error) {
        if (error instanceof WebhookVerificationError) {
          res.status(401).json({ error: error.code });
          return;
        }
        throw error;
      }
      const messageId = String(req.headers['webhook-id']);
      if (seen.has(messageId)) {
        res.status(200).json({ duplicate: true }); // already handled: acknowledge so it is not retried
        return;
      }
      await options.onEvent(event, messageId);
      seen.add(messageId); // only after the work is done: a crash before this line gets the retry
      res.status(204).end();
    },
  );

  // Every other route may parse JSON as usual.
  app.use(express.json());
  return app;
}

// `tsx examples/express-receiver/app.ts` runs it on its own.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.CRONHOOK_WEBHOOK_SECRET;
  if (!secret) {
    console.error('Set CRONHOOK_WEBHOOK_SECRET to the endpoint secret (whsec_…).');
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? 3000);
  createReceiverApp({
    secret,
    onEvent: (event, id) =>
      console.log(`${id} ${event.type} ${'job' in event.data ? event.data.job.id : ''}`),
  }).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/webhooks/cronhook`));
}
