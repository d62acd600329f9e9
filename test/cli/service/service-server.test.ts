import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServiceServer, startServiceServer } from '../../../src/cli/service/service-server.js';
import { sendRequest } from '../../helpers/http-server.js';

let server: ServiceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('service server', () => {
  it('answers /healthz while alive and /readyz by the readiness checks', async () => {
    let ready = true;
    server = await startServiceServer({
      address: { host: '127.0.0.1', port: 0 },
      readiness: async () => ({ ready, storage: ready ? 'ok' : 'error' }),
    });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('cache-control')).toBe('no-store');
    const readyz = await fetch(`${server.url}/readyz`);
    expect([readyz.status, await readyz.json()]).toEqual([200, { ready: true, storage: 'ok' }]);
    ready = false;
    const notReady = await fetch(`${server.url}/readyz`);
    expect([notReady.status, await notReady.json()]).toEqual([503, { ready: false, storage: 'error' }]);
  });

  it('serves nothing else: 404 for other paths and /metrics without an exporter, 405 for other methods', async () => {
    server = await startServiceServer({
      address: { host: '127.0.0.1', port: 0 },
      readiness: async () => ({ ready: true }),
    });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    const post = await fetch(`${server.url}/healthz`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const head = await fetch(`${server.url}/readyz`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('serves Prometheus text through the OpenTelemetry Prometheus exporter on /metrics', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    provider.getMeter('cronhook').createCounter('cronhook.runs', { unit: '{run}' }).add(3, { a: 'b' });
    server = await startServiceServer({
      address: { host: '127.0.0.1', port: 0 },
      readiness: async () => ({ ready: true }),
      metrics: (req, res) => exporter.getMetricsRequestHandler(req, res),
    });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^cronhook_runs_total\{a="b"[^}]*\} 3/m);
    await provider.shutdown();
  });

  it('fails to start with the listen error when the port is taken', async () => {
    server = await startServiceServer({
      address: { host: '127.0.0.1', port: 0 },
      readiness: async () => ({ ready: true }),
    });
    const port = Number(new URL(server.url).port);
    await expect(
      startServiceServer({ address: { host: '127.0.0.1', port }, readiness: async () => ({ ready: true }) }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('service server on a loopback address', () => {
  it('answers only requests naming this machine (a DNS-rebinding page cannot read /readyz or /metrics)', async () => {
    server = await startServiceServer({
      address: { host: '127.0.0.1', port: 0 },
      readiness: async () => ({ ready: true }),
      metrics: (_req, res) => res.end('cronhook_runs_total{cronhook_job_id="billing"} 3\n'),
    });
    const port = new URL(server.url).port;
    for (const path of ['/readyz', '/metrics', '/healthz']) {
      const refused = await sendRequest(`${server.url}${path}`, { headers: { host: `rebind.evil:${port}` } });
      expect([path, refused.status]).toEqual([path, 421]);
      expect(refused.body).not.toContain('billing');
    }
    const ok = await sendRequest(`${server.url}/metrics`, { headers: { host: `[::1]:${port}` } });
    expect([ok.status, ok.body]).toEqual([200, 'cronhook_runs_total{cronhook_job_id="billing"} 3\n']);
  });

  it('answers any Host on other addresses (a probe or a scraper names the pod or the service)', async () => {
    server = await startServiceServer({
      address: { host: '0.0.0.0', port: 0 },
      readiness: async () => ({ ready: true }),
    });
    const port = new URL(server.url).port;
    const res = await sendRequest(`http://127.0.0.1:${port}/healthz`, {
      headers: { host: `cronhook.prod.svc:${port}` },
    });
    expect(res.status).toBe(200);
  });
});
