/**
 * The short version of the soak test (`npm run soak` runs the long one): 500 jobs firing every second for
 * 10 s on the real clock, each success delivered over real loopback HTTP to receivers that answer 500 half
 * the time and never answer 5% of the time. Asserts that no message is lost (each delivered or still pending
 * in retry, none exhausted its retries) and that both stop() calls finish within their timeout. Timings and
 * heap are reported by the long run, not asserted here: a shared CI machine cannot promise them.
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/soak/run-soak.js';

const STOP_TIMEOUT_MS = 3_000;

describe('soak (short)', () => {
  it('loses no delivery under flaky receivers and stops within its timeout', {
    timeout: 90_000,
  }, async () => {
    const report = await runSoak({
      jobs: 500,
      durationMs: 10_000,
      receivers: 4,
      storage: 'memory',
      attemptTimeoutMs: 500,
      stopTimeoutMs: STOP_TIMEOUT_MS,
      sampleEveryMs: 5_000,
      schedulerConcurrency: 100,
      notifierConcurrency: 200,
    });

    // The jobs ran and the receivers were exercised in every way.
    expect(report.runs.succeeded).toBeGreaterThan(1_000);
    expect(report.receiver.ok).toBeGreaterThan(0);
    expect(report.receiver.failed).toBeGreaterThan(0);
    expect(report.receiver.hung).toBeGreaterThan(0);
    // Every succeeded run stored exactly one delivery (one matching endpoint per job)...
    expect(report.lost.runsWithoutDelivery).toBe(0);
    expect(report.deliveries.total).toBe(report.runs.succeeded);
    expect(report.lost.vanished).toBe(0);
    // ...each delivered (the receiver answered 2xx) or pending in retry; none gave up.
    expect(report.deliveries.succeeded + report.deliveries.pending).toBe(report.deliveries.total);
    expect(report.lost.failedAfterAllRetries).toBe(0);
    expect(report.lost.succeededNeverReceived).toBe(0);
    expect(report.deliveries.succeeded).toBeGreaterThan(0);
    expect(report.receiver.distinctOkIds).toBeGreaterThanOrEqual(report.deliveries.succeeded);
    // stop() waits for attempts in flight (a hanging receiver included) at most its timeout, plus slack.
    expect(report.stop.schedulerMs).toBeLessThanOrEqual(STOP_TIMEOUT_MS + 1_000);
    expect(report.stop.notifierMs).toBeLessThanOrEqual(STOP_TIMEOUT_MS + 1_000);
  });
});
