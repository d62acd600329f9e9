/**
 * The demo's webhook receiver: what a customer of a cronhook-based app would run. It verifies every request
 * with `cronhook/verify` against the RAW body and dedupes by `webhook-id`, as Standard Webhooks receivers
 * should (deliveries are at-least-once).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, type WebhookEvent, WebhookVerificationError } from 'cronhook/verify';

/** What the receiver saw for one request. */
export interface ReceivedHook {
  messageId: string;
  verified: boolean;
  duplicate: boolean;
  status: number;
  topic: string | null;
  /** `data.job.id` of a job event; null for pings and unverified requests. */
  jobId: string | null;
  /** Why verification failed, when it did. */
  reason: string | null;
}

export interface Receiver {
  url: string;
  /** Every request, in arrival order. */
  received: ReceivedHook[];
  /** The last request seen for a `webhook-id`. */
  lastFor(messageId: string): ReceivedHook | undefined;
  /** Secrets accepted from now on (after a rotation the receiver switches to the new one). */
  setSecrets(secrets: string[]): void;
  /** From now on, read the secrets to accept before verifying each request (null: back to `setSecrets`). */
  useSecretsFrom(source: (() => Promise<string[]>) | null): void;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  secrets: string[];
  /** Fraction of first-time job events answered 503 (the receiver "being down"), to show delivery retries. */
  failRate?: number;
  random?: () => number;
  onRequest?: (hook: ReceivedHook) => void;
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  let secrets = options.secrets;
  let secretSource: (() => Promise<string[]>) | null = null;
  const random = options.random ?? Math.random;
  const processed = new Set<string>();
  const received: ReceivedHook[] = [];
  const byId = new Map<string, ReceivedHook>();

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const messageId = String(req.headers['webhook-id'] ?? '(none)');
    const hook: ReceivedHook = {
      messageId,
      verified: false,
      duplicate: false,
      status: 0,
      topic: null,
      jobId: null,
      reason: null,
    };
    try {
      if (secretSource) secrets = await secretSource();
      const event = verifyWebhook<WebhookEvent>({
        payload: raw,
        headers: req.headers,
        secret: secrets,
      });
      hook.verified = true;
      hook.topic = event.type;
      hook.jobId = 'job' in event.data ? event.data.job.id : null;
      if (processed.has(messageId)) {
        hook.duplicate = true; // already handled: acknowledge, do nothing twice
        hook.status = 200;
      } else if (event.type !== 'webhook.ping' && random() < (options.failRate ?? 0)) {
        // The ping checks the endpoint's set-up, so it is always answered; job events show the retries.
        hook.status = 503;
      } else {
        processed.add(messageId);
        hook.status = 200;
      }
    } catch (error) {
      hook.reason = error instanceof WebhookVerificationError ? error.code : String(error);
      hook.status = 401;
    }
    received.push(hook);
    byId.set(messageId, hook);
    options.onRequest?.(hook);
    res.writeHead(hook.status, { 'content-type': 'text/plain' }).end(hook.status === 200 ? 'ok' : 'no');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/cronhook`,
    received,
    lastFor: (id) => byId.get(id),
    setSecrets: (next) => {
      secrets = next;
    },
    useSecretsFrom: (source) => {
      secretSource = source;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
