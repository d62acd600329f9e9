/**
 * The address guard over real connections. Every destination here is on 127.0.0.1: a refused request
 * opens no connection at all, an allowed one reaches the local test server.
 */
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isCronhookError } from '../../src/errors.js';
import type { AddressPolicy } from '../../src/transport/types.js';
import type { TestHttpServer } from '../helpers/http-server.js';
import { useHttpFixtures } from '../helpers/transport-fixtures.js';

const STRICT: AddressPolicy = { allowPrivateNetworks: false };

const fixtures = useHttpFixtures();
const transport = fixtures.transport;

async function receiver(): Promise<TestHttpServer> {
  const started = await fixtures.server((_req, res) => {
    res.end('reached');
  });
  return started;
}

/** Resolves every name to 127.0.0.1 and counts the look-ups, as a rebinding attacker's DNS would answer. */
function loopbackResolver(): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    calls.push(hostname);
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  return Object.assign(lookup, { calls });
}

async function blocked(send: Promise<unknown>): Promise<string> {
  try {
    await send;
  } catch (error) {
    if (isCronhookError(error, 'ERR_DESTINATION_BLOCKED')) return error.message;
    throw error;
  }
  throw new Error('expected ERR_DESTINATION_BLOCKED');
}

describe('HttpTransport address guard', () => {
  it('allows everything by default, as scheduled jobs call the app’s own services', async () => {
    const server = await receiver();
    expect((await transport().send({ url: server.url() })).body).toBe('reached');
  });

  it('refuses loopback when the request policy blocks private networks, connecting to nothing', async () => {
    const server = await receiver();
    const message = await blocked(transport().send({ url: server.url(), addressPolicy: STRICT }));
    expect(message).toContain('127.0.0.1 (loopback)');
    expect(message).toContain('allowPrivateNetworks: true');
    expect(message).toContain('addressPolicy.allow');
    expect(server.requests).toHaveLength(0);
  });

  it('applies the transport-wide policy to requests without one', async () => {
    const server = await receiver();
    const http = transport({ addressPolicy: STRICT });
    await blocked(http.send({ url: server.url() }));
    // A request's own policy replaces the default.
    expect((await http.send({ url: server.url(), addressPolicy: { allowPrivateNetworks: true } })).body).toBe(
      'reached',
    );
  });

  it.each<[string, AddressPolicy]>([
    ['allowPrivateNetworks', { allowPrivateNetworks: true }],
    ['an allowed IP', { allow: ['127.0.0.1'] }],
    ['an allowed CIDR range', { allow: ['127.0.0.0/8'] }],
  ])('reaches loopback with %s', async (_name, addressPolicy) => {
    const server = await receiver();
    expect((await transport().send({ url: server.url(), addressPolicy })).body).toBe('reached');
  });

  it.each([
    ['decimal', '2130706433'],
    ['octal', '0177.0.0.1'],
    ['hex', '0x7f.0.0.1'],
    ['short', '127.1'],
  ])('refuses a %s spelling of loopback, which does reach loopback when allowed', async (_name, host) => {
    const server = await receiver();
    const url = `http://${host}:${server.port}/`;
    expect(await blocked(transport().send({ url, addressPolicy: STRICT }))).toContain('127.0.0.1');
    expect(server.requests).toHaveLength(0);
    expect((await transport().send({ url, addressPolicy: { allowPrivateNetworks: true } })).body).toBe(
      'reached',
    );
  });

  it.each(['[::1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[0:0:0:0:0:ffff:7f00:1]', '[::127.0.0.1]'])(
    'refuses the IPv6 loopback form %s',
    async (host) => {
      const server = await receiver();
      const message = await blocked(
        transport().send({ url: `http://${host}:${server.port}/`, addressPolicy: STRICT }),
      );
      expect(message).toContain('loopback');
    },
  );

  it('refuses a DNS name that resolves to loopback, checking the address it connects to', async () => {
    const server = await receiver();
    const lookup = loopbackResolver();
    const http = transport({ lookup });
    const url = `http://innocent.example:${server.port}/`;
    const message = await blocked(http.send({ url, addressPolicy: STRICT }));
    expect(message).toContain('the address "innocent.example" resolved to was refused');
    expect(message).not.toContain('127.0.0.1');
    // The check ran on the socket's own look-up: there is no earlier one a rebinding DNS could answer differently.
    expect(lookup.calls).toEqual(['innocent.example']);
    expect(server.requests).toHaveLength(0);
  });

  it('looks a name up once per new connection, not once per request', async () => {
    const server = await receiver();
    const lookup = loopbackResolver();
    const http = transport({ lookup });
    const addressPolicy: AddressPolicy = { allow: ['billing.internal'] };
    for (let i = 0; i < 6; i++)
      await http.send({ url: `http://billing.internal:${server.port}/${i}`, addressPolicy });
    expect(server.requests).toHaveLength(6);
    // Pooled connections are reused; a connection is checked when it opens (undici may open a second one,
    // as it frees a socket a tick after the body ends).
    expect(lookup.calls.length).toBeGreaterThanOrEqual(1);
    expect(lookup.calls.length).toBeLessThanOrEqual(2);
  });

  it('refuses localhost through the system resolver', async () => {
    const server = await receiver();
    await blocked(transport().send({ url: `http://localhost:${server.port}/`, addressPolicy: STRICT }));
    expect(server.requests).toHaveLength(0);
  });

  it('reaches a private name allowed by host name, and only that name', async () => {
    const server = await receiver();
    const http = transport({ lookup: loopbackResolver() });
    const addressPolicy: AddressPolicy = { allow: ['billing.internal'] };
    const response = await http.send({ url: `http://billing.internal:${server.port}/`, addressPolicy });
    expect(response.body).toBe('reached');
    await blocked(http.send({ url: `http://other.internal:${server.port}/`, addressPolicy }));
    expect(server.requests).toHaveLength(1);
  });

  it('never lets a pooled connection opened under an open policy serve a strict request', async () => {
    const server = await receiver();
    const http = transport();
    await http.send({ url: server.url(), addressPolicy: { allowPrivateNetworks: true } });
    await blocked(http.send({ url: server.url(), addressPolicy: STRICT }));
    expect(server.requests).toHaveLength(1);
  });

  it('applies a policy object reused across requests as it is at each request, changes in place included', async () => {
    const server = await receiver();
    const http = transport({ lookup: loopbackResolver() });
    const url = `http://billing.internal:${server.port}/`;
    // One object for every request, as the notifier and the scheduler pass it.
    const addressPolicy: AddressPolicy = { allowPrivateNetworks: false, allow: ['billing.internal'] };
    expect((await http.send({ url, addressPolicy })).body).toBe('reached');
    expect((await http.send({ url, addressPolicy })).body).toBe('reached');
    addressPolicy.allow?.pop();
    await blocked(http.send({ url, addressPolicy }));
    addressPolicy.allow?.push('127.0.0.0/8');
    expect((await http.send({ url, addressPolicy })).body).toBe('reached');
    addressPolicy.allow = [];
    await blocked(http.send({ url, addressPolicy }));
    addressPolicy.allowPrivateNetworks = true;
    expect((await http.send({ url, addressPolicy })).body).toBe('reached');
    expect(server.requests).toHaveLength(4);
  });

  it('does not follow a redirect to an internal address', async () => {
    const server = await fixtures.server((_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    });
    const response = await transport().send({ url: server.url(), addressPolicy: { allow: ['127.0.0.1'] } });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('http://169.254.169.254/latest/meta-data/');
  });
});
