import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, spawnCli } from '../../helpers/cli.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('cli-otel');
let service: TestHttpServer;

beforeAll(async () => {
  await ensureCliBuilt();
  service = await startHttpServer();
});
afterAll(() => service.close());

/** A config dir with one job calling the test service every second. */
function configDir(): string {
  const dir = temp.folder();
  writeFileSync(
    join(dir, 'cronhook.config.json'),
    JSON.stringify({
      db: 'service.db',
      jobs: [
        { id: 'tick', schedule: '* * * * * *', target: { url: service.url('/tick?token=QUERY-SECRET') } },
      ],
    }),
  );
  return dir;
}

type Line = Record<string, unknown>;
const lines = (stdout: string): Line[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

describe('cronhook run: health, metrics and OTLP', () => {
  it('--health and --metrics serve /healthz, /readyz and Prometheus text while running', async () => {
    const proc = spawnCli(['run', '--log', 'json', '--metrics', '127.0.0.1:0', '--health', '0'], {
      cwd: configDir(),
    });
    try {
      await proc.waitForOutput((out) => out.includes('"msg":"run succeeded"'), 20_000);
      const started = lines(proc.stdout()).find((l) => l.msg === 'cronhook started')!;
      expect(started.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(started.health).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = String(started.health);
      expect((await fetch(`${health}/healthz`)).status).toBe(200);
      const ready = await fetch(`${health}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        ready: true,
        state: 'started',
        storage: { ok: true },
        claimLoop: { ok: true },
      });
      const metricsBase = String(started.metrics).replace(/\/metrics$/, '');
      expect((await fetch(`${metricsBase}/readyz`)).status).toBe(200);
      const text = await (await fetch(String(started.metrics))).text();
      expect(text).toMatch(
        /^cronhook_runs_total\{(?=[^}]*cronhook_job_id="tick")(?=[^}]*cronhook_run_status="succeeded")/m,
      );
      expect(text).toMatch(/^http_client_request_duration_bucket\{[^}]*server_address="127\.0\.0\.1"/m);
      expect(text).toMatch(/^cronhook_run_lateness_count\{/m);
      expect(text).not.toContain('QUERY-SECRET');
      // The resource names the service and host, not the command line (which may hold --database-url).
      expect(text).toMatch(/^target_info\{[^}]*service_name="cronhook"/m);
      expect(text).not.toContain('process_command_args');
      expect(text).not.toContain('--metrics');
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
      // Stopped: nothing listens any more.
      await expect(fetch(`${health}/healthz`)).rejects.toThrow();
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  it('exports traces and metrics over OTLP as the OTEL_* variables say; JSON log lines carry trace and span ids', async () => {
    const collector = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const proc = spawnCli(['run', '--log', 'json'], {
      cwd: configDir(),
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.origin,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_METRIC_EXPORT_INTERVAL: '300',
        OTEL_SERVICE_NAME: 'cron-test',
      },
    });
    try {
      const body = (path: string) =>
        collector.requests
          .filter((r) => r.path === path)
          .map((r) => r.body)
          .join('\n');
      const deadline = Date.now() + 20_000;
      while (
        !(body('/v1/traces').includes('"run tick"') && body('/v1/metrics').includes('"cronhook.runs"'))
      ) {
        if (Date.now() > deadline || proc.child.exitCode !== null) {
          throw new Error(`no OTLP export\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(body('/v1/traces')).toContain('"cron-test"');
      expect(body('/v1/traces')).not.toContain('QUERY-SECRET');
      const succeeded = lines(proc.stdout()).filter((l) => l.msg === 'run succeeded');
      expect(succeeded.length).toBeGreaterThan(0);
      for (const line of succeeded) {
        expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
        expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
      }
      // The ids are those of an exported run span.
      expect(body('/v1/traces')).toContain(String(succeeded[0]!.trace_id));
      expect(lines(proc.stdout()).find((l) => l.msg === 'cronhook started')).toMatchObject({
        traces: 'otlp',
        metricsExport: 'env',
      });
      // Lines written outside any span carry no ids.
      expect(lines(proc.stdout()).find((l) => l.msg === 'cronhook started')?.trace_id).toBeUndefined();
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
    } finally {
      proc.child.kill('SIGKILL');
      await collector.close();
    }
  });
});
