import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OriginPools } from '../../src/transport/origin-pools.js';
import { useHttpFixtures } from '../helpers/transport-fixtures.js';

const { server, transport } = useHttpFixtures();

const pools: OriginPools[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.agent.destroy()));
});

function originPools(): OriginPools {
  const made = new OriginPools({ allowH2: false });
  pools.push(made);
  return made;
}

/** Sends a GET to `origin` + `path` through `pools` and resolves with its status (body read). */
function get(through: OriginPools, origin: string, path = '/'): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: () => {},
      onResponseData: () => {},
      onResponseStart: (_controller, statusCode) => {
        status = statusCode;
      },
      onResponseEnd: () => resolve(status),
      onResponseError: (_controller, error) => reject(error),
    };
    through.dispatch({ origin, path, method: 'GET', headers: [] }, handler);
  });
}

describe('OriginPools', () => {
  it("sends an origin's requests after the first through its pool, not the Agent's dispatch", async () => {
    const receiver = await server();
    const through = originPools();
    const viaAgent = vi.spyOn(through.agent, 'dispatch');
    for (let i = 0; i < 4; i++) expect(await get(through, receiver.origin, `/${i}`)).toBe(200);
    expect(viaAgent).toHaveBeenCalledTimes(1);
    expect(receiver.requests.map((r) => r.path)).toEqual(['/0', '/1', '/2', '/3']);
  });

  it('keeps one pool per origin', async () => {
    const one = await server();
    const two = await server();
    const through = originPools();
    const viaAgent = vi.spyOn(through.agent, 'dispatch');
    for (let i = 0; i < 3; i++) {
      expect(await get(through, one.origin)).toBe(200);
      expect(await get(through, two.origin)).toBe(200);
    }
    expect(viaAgent).toHaveBeenCalledTimes(2);
    expect([one.requests.length, two.requests.length]).toEqual([3, 3]);
  });

  it('forgets a pool once the Agent closed it, left unused when its connection ended', async () => {
    const ports: number[] = [];
    // Every answer ends its connection: the Agent then closes the pool, which has none left.
    const receiver = await server((req, res) => {
      ports.push(req.socket.remotePort ?? -1);
      res.writeHead(200, { connection: 'close' }).end('bye');
    });
    const through = originPools();
    const viaAgent = vi.spyOn(through.agent, 'dispatch');
    for (let i = 0; i < 3; i++) {
      expect(await get(through, receiver.origin)).toBe(200);
      expect(through.size).toBe(1);
      await vi.waitFor(() => expect(through.size).toBe(0));
    }
    expect(new Set(ports).size).toBe(3);
    expect(viaAgent).toHaveBeenCalledTimes(3);
  });

  it('sends through the Agent, not a pool it has just closed and not yet forgotten', async () => {
    const receiver = await server((_req, res) => {
      res.writeHead(200, { connection: 'close' }).end('bye');
    });
    const through = originPools();
    // The Agent's own event comes right after it closed the pool, before the pool is forgotten.
    const again = new Promise<number>((resolve, reject) => {
      through.agent.once('disconnect', () => {
        expect(through.size).toBe(1);
        get(through, receiver.origin, '/again').then(resolve, reject);
      });
    });
    expect(await get(through, receiver.origin)).toBe(200);
    expect(await again).toBe(200);
    expect(receiver.requests.map((r) => r.path)).toEqual(['/', '/again']);
  });
});

describe('HttpTransport over OriginPools', () => {
  it('answers every request when the receiver closes each connection after its response', async () => {
    const receiver = await server((_req, res) => {
      res.writeHead(200, { connection: 'close' }).end('bye');
    });
    const http = transport();
    for (let i = 0; i < 5; i++) {
      const response = await http.send({ url: receiver.url(`/${i}`), body: '{}' });
      expect(response).toMatchObject({ status: 200, body: 'bye' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(receiver.requests).toHaveLength(5);
  });
});
