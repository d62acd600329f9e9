/**
 * `@opentelemetry/api` is an optional peer dependency: without it cronhook works as before and loads
 * nothing of it. Proven on the built package (dist), in a child process where every @opentelemetry/*
 * package is unresolvable, and by reading what the entries import.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureCliBuilt, ROOT } from '../helpers/cli.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http-server.js';

const run = promisify(execFile);
const HOOK = join(ROOT, 'test', 'fixtures', 'without-otel-hook.mjs');
let receiver: TestHttpServer;

beforeAll(async () => {
  await ensureCliBuilt();
  receiver = await startHttpServer();
});
afterAll(() => receiver.close());

describe('without @opentelemetry/api installed', () => {
  it('runs jobs and delivers webhooks as before, with no trace header, no trace context and nothing loaded', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', HOOK, join(ROOT, 'test', 'fixtures', 'without-otel.mjs'), receiver.origin],
      { cwd: ROOT, timeout: 30_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      run: 'succeeded',
      delivery: 'succeeded',
      traceContext: null,
      ready: true,
    });
    const job = receiver.requests.find((r) => r.path === '/job');
    const hook = receiver.requests.find((r) => r.path === '/hook');
    expect(job?.headers.traceparent).toBeUndefined();
    expect(hook?.headers.traceparent).toBeUndefined();
    // Importing the library resolves nothing of OpenTelemetry; `telemetry: false` never looks for it; the
    // first scheduler with telemetry on looks once, finds nothing, and never looks again.
    const lines = stderr.trim().split('\n');
    expect(lines.indexOf('imported')).toBe(0);
    expect(lines.slice(0, 2)).toEqual(['imported', 'constructed-off']);
    expect(lines.filter((l) => l.startsWith('otel-resolve'))).toEqual(['otel-resolve @opentelemetry/api']);
  });

  it('cronhook run --metrics says which packages to install', async () => {
    const result = await run(
      process.execPath,
      ['--import', HOOK, CLI, 'run', '--db', ':memory:', '--metrics', '0'],
      {
        cwd: ROOT,
        timeout: 30_000,
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect('code' in result && result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'needs the optional package @opentelemetry/sdk-node: npm install @opentelemetry/api @opentelemetry/sdk-node',
    );
  });

  it('the library entries import no OpenTelemetry package statically; only the CLI imports the SDK, dynamically', () => {
    const files = readdirSync(join(ROOT, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.js'),
    );
    const staticImport =
      /(?:^|\n)\s*import\s[^;]*?from\s*["']@opentelemetry\/|(?:^|\n)\s*import\s*["']@opentelemetry\//;
    for (const file of files) {
      const text = readFileSync(join(ROOT, 'dist', file), 'utf8');
      expect(staticImport.test(text), file).toBe(false);
      const dynamic = [...text.matchAll(/import\(\s*["'](@opentelemetry\/[^"']+)["']\s*\)/g)].map(
        (m) => m[1],
      );
      if (file === join('cli', 'index.js')) {
        expect(dynamic.sort()).toEqual(['@opentelemetry/exporter-prometheus', '@opentelemetry/sdk-node']);
      } else {
        expect(dynamic, file).toEqual([]);
      }
    }
  });
});
