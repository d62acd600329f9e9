import { Agent, request } from 'undici';

/**
 * Section 4's baseline request, shared by the HTTP throughput worker and the telemetry suite's reference so
 * the two measure the same thing: a plain undici POST of `body` (JSON) to `url` through one agent, the answer
 * read to its end; `once` is true for a 2xx answer.
 */
export function undiciLoop(
  url: string,
  body: string,
): { once: () => Promise<boolean>; close: () => Promise<void> } {
  const agent = new Agent();
  const once = async () => {
    const res = await request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      dispatcher: agent,
    });
    await res.body.text();
    return res.statusCode >= 200 && res.statusCode < 300;
  };
  return { once, close: () => agent.close() };
}
