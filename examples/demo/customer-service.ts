/**
 * The demo's stand-in for a real "customer service" that jobs call: a node:http server on 127.0.0.1 that
 * fails now and then and answers slowly now and then, so retries, timeouts and failed runs show up.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CustomerService {
  url: string;
  close(): Promise<void>;
}

/** `random` decides the mood of each answer; injectable so the demo's own test can be deterministic. */
export async function startCustomerService(random: () => number = Math.random): Promise<CustomerService> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const roll = random();
      const reply = (status: number, body: unknown) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.url === '/export') {
        // The flaky partner API: more often down than up, so the job's retries are visible.
        if (roll < 0.55) reply(503, { error: 'export backend busy' });
        else reply(200, { exported: Math.floor(roll * 1000) });
        return;
      }
      if (roll < 0.12) reply(500, { error: 'database hiccup' });
      else if (roll < 0.25) setTimeout(() => reply(200, { synced: 42, slow: true }), 900);
      else reply(200, { synced: 42 });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
