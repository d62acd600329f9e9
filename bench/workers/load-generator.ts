/**
 * The receiver's own ceiling: autocannon sends the webhook benchmarks' request (the same signed POST, the
 * same body size, to the same paths) with `concurrency` connections, after a warm-up run, for `durationMs`.
 * Nothing is signed per request here, so this is what the receiver and loopback can take, not a sender.
 */
import autocannon from 'autocannon';
import { report, workerInput } from '../lib/child.js';
import { endpointKeys, newMessage, signedHeaders } from '../lib/signed-request.js';
import { round } from '../lib/stats.js';

export interface LoadGeneratorInput {
  url: string;
  endpoints: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadGeneratorResult {
  endpoints: number;
  requests: number;
  non2xx: number;
  windowMs: number;
  deliveriesPerSec: number;
  messagesPerSec: number;
  cpuUsPerDelivery: number;
}

const input = workerInput<LoadGeneratorInput>();
const keys = endpointKeys(input.endpoints);
const message = newMessage(0);
// Each connection cycles through the endpoints' paths, each request signed as for its endpoint.
const requests = keys.map((key, i) => ({
  method: 'POST' as const,
  path: `/ep${i}`,
  headers: signedHeaders(message, key),
  body: message.body,
}));

const run = (durationMs: number) =>
  autocannon({
    url: input.url,
    connections: input.concurrency,
    pipelining: 1,
    duration: durationMs / 1000,
    requests,
  });

await run(input.warmupMs);
const cpuStart = process.cpuUsage();
const result = await run(input.durationMs);
const cpu = process.cpuUsage(cpuStart);
const windowMs = result.duration * 1000;
const ok = result['2xx'];
report({
  endpoints: input.endpoints,
  requests: ok,
  non2xx: result.non2xx,
  windowMs: round(windowMs, 1),
  deliveriesPerSec: round((ok / windowMs) * 1000, 0),
  messagesPerSec: round((ok / input.endpoints / windowMs) * 1000, 0),
  cpuUsPerDelivery: round((cpu.user + cpu.system) / Math.max(1, ok), 1),
} satisfies LoadGeneratorResult);
