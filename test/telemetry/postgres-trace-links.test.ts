import { expect, it } from 'vitest';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { HttpTransport } from '../../src/transport/http.js';
import { spawnFixture } from '../helpers/child-process.js';
import { startHttpServer } from '../helpers/http-server.js';
import { createTestTelemetry } from '../helpers/otel.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from '../helpers/postgres.js';
import { useCleanups } from '../helpers/test-lifecycle.js';

const cleanups = useCleanups();

describePostgres('trace context across processes (Postgres)', () => {
  it('a delivery attempt made by another process links to the run that produced the message', async () => {
    const schema = uniqueSchema('otel');
    const connectionString = await postgresUrl();
    cleanups.push(() => dropSchema(schema));
    const storage = new PostgresStorage({ connectionString, schema, max: 2 });
    cleanups.push(() => storage.close());
    await storage.migrate();
    const server = await startHttpServer();
    cleanups.push(() => server.close());
    const otel = createTestTelemetry();
    cleanups.push(() => otel.shutdown());
    const transport = new HttpTransport();
    cleanups.push(() => transport.close());
    // This process only delivers; the run happens in a child process with its own SDK.
    const notifier = new WebhookNotifier({
      storage,
      transport,
      allowPrivateNetworks: true,
      pollIntervalMs: 50,
      telemetry: otel.options,
    });
    await notifier.addEndpoint({ url: server.url('/hooks'), topics: ['job.execution.succeeded'] });

    const child = spawnFixture('traced-run.ts', [
      JSON.stringify({ storage: { kind: 'postgres', connectionString, schema } }),
    ]);
    cleanups.push(() => child.kill('SIGKILL'));
    const spans = await child.waitFor((m) => m.type === 'spans', 30_000);
    expect((await child.exited).code, child.stderr()).toBe(0);
    const remote = spans as unknown as {
      run: { traceId: string };
      create: { traceId: string; spanId: string };
    };

    await notifier.start();
    cleanups.push(() => notifier.stop({ timeoutMs: 0 }));
    const deadline = Date.now() + 10_000;
    while (otel.spans().find((s) => s.name === 'send job.execution.succeeded') === undefined) {
      if (Date.now() > deadline) throw new Error('no delivery');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const send = otel.spans().find((s) => s.name === 'send job.execution.succeeded')!;
    expect(send.links).toHaveLength(1);
    expect(send.links[0]!.context).toMatchObject({
      traceId: remote.run.traceId,
      spanId: remote.create.spanId,
      isRemote: true,
    });
    // The attempt's own trace is new, and the receiver sees that one.
    expect(send.spanContext().traceId).not.toBe(remote.run.traceId);
    expect(server.requests[0]?.headers.traceparent).toContain(send.spanContext().traceId);
  });
});
