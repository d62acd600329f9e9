import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import { createNotifierHarness, trackInFlight } from '../../helpers/notifier.js';

// Healthy receivers answer in 100 ms, stalling ones never (each attempt ends at attemptTimeoutMs). With the
// defaults (concurrency 10, perEndpointConcurrency 4), three healthy endpoints could use every slot:
// 10 slots / 100 ms = 100 deliveries a second.
const HEALTHY_MS = 100;
const TIMEOUT_MS = 10_000;
const HEALTHY_ENDPOINTS = 3;
// Slow endpoints take turns by the due time of their deliveries: each message's deliveries (random order
// within it) before the next message's. 20 stalling endpoints with 5 slow slots of 10 s make 5 attempts in
// 10 s, so any 40 attempts in a row (80 s) hold one full message's turn; the window is longer than that.
const WINDOW_S = 90;

async function scenario(stalling: number) {
  const clock = new FakeClock();
  const transport = new MockTransport(
    (r) => (r.url.includes('stall') ? { delayMs: Number.MAX_SAFE_INTEGER } : { delayMs: HEALTHY_MS }),
    { clock },
  );
  const { inFlight } = trackInFlight(transport);
  const h = createNotifierHarness({ clock, transport, attemptTimeoutMs: TIMEOUT_MS });
  for (let i = 0; i < stalling; i++) {
    await h.notifier.addEndpoint({ url: `https://stall${i}.example.com/`, topics: ['stall.*'] });
  }
  for (let i = 0; i < HEALTHY_ENDPOINTS; i++) {
    await h.notifier.addEndpoint({ url: `https://ok${i}.example.com/`, topics: ['ok.*'] });
  }
  // Stalling receivers' messages first, so today's oldest-first claims hand them every slot they may take.
  // A millisecond apart: slow endpoints take turns by the due time of their deliveries, and the deliveries of
  // messages published within one millisecond are ordered by id, random within it (so one endpoint could
  // draw several turns of a window and another none).
  for (let i = 0; i < 30; i++) {
    await h.notifier.publish('stall.event', { i });
    await clock.advance(1);
  }
  for (let i = 0; i < 4_000; i++) await h.notifier.publish('ok.event', { i });
  await h.notifier.start();
  const healthy = () => transport.requests.filter((r) => r.url.includes('//ok')).length;
  const stalledInFlight = () => {
    let n = 0;
    for (const [origin, count] of inFlight) if (origin.includes('stall')) n += count;
    return n;
  };
  // Until each stalling endpoint has had an attempt time out, it may hold the one slot a new endpoint gets.
  const stalledSeen = () =>
    new Set(transport.requests.filter((r) => r.url.includes('stall')).map((r) => r.url)).size;
  await clock.advanceUntil(() => stalledSeen() === stalling, 1_000_000);
  await clock.advance(TIMEOUT_MS);
  const before = healthy();
  const requestsBefore = transport.requests.length;
  let peakStalled = 0;
  for (let t = 0; t < WINDOW_S * 10; t++) {
    await clock.advance(100);
    peakStalled = Math.max(peakStalled, stalledInFlight());
  }
  const rate = (healthy() - before) / WINDOW_S;
  const stalledOrigins = new Set(
    transport.requests
      .slice(requestsBefore)
      .filter((r) => r.url.includes('stall'))
      .map((r) => new URL(r.url).origin),
  );
  const stopping = h.notifier.stop();
  await clock.advance(TIMEOUT_MS);
  await stopping;
  return { rate, peakStalled, stalledOrigins };
}

describe('fair dispatch: stalling receivers do not starve healthy ones', () => {
  it('with no stalling endpoint the healthy ones use every slot (the baseline: 100 deliveries/s)', async () => {
    const { rate } = await scenario(0);
    expect(rate).toBeGreaterThanOrEqual(99);
  });

  // The stated share: slow endpoints hold one slot each and at most floor(concurrency / 2) = 5 together,
  // so the healthy ones keep 10 - min(stalling, 5) slots: 90, 70 and 50 deliveries a second. Before this rule
  // each stalling endpoint could hold perEndpointConcurrency (4) slots: the same runs gave 77, 43 and 14.
  it.each([1, 3, 20])('with %i stalling endpoints the healthy ones keep their share', async (stalling) => {
    const slowSlots = Math.min(stalling, 5);
    const { rate, peakStalled, stalledOrigins } = await scenario(stalling);
    expect(peakStalled).toBeLessThanOrEqual(slowSlots);
    expect(rate).toBeGreaterThanOrEqual((10 - slowSlots) * (1000 / HEALTHY_MS) * 0.98);
    // Slow endpoints take turns: each keeps being tried (it is not starved either).
    expect(stalledOrigins.size).toBe(stalling);
  });
});

describe('fair dispatch: what makes an endpoint slow', () => {
  /** Peak requests in flight to one endpoint whose receiver answers after `answerMs`, with a backlog of 40. */
  async function peakFor(answerMs: (index: number) => number, slowAttemptMs: number) {
    const clock = new FakeClock();
    const transport = new MockTransport((_r, i) => ({ delayMs: answerMs(i) }), { clock });
    const { inFlight } = trackInFlight(transport);
    const h = createNotifierHarness({ clock, transport, attemptTimeoutMs: TIMEOUT_MS, slowAttemptMs });
    await h.notifier.addEndpoint({ url: 'https://one.example.com/' });
    for (let i = 0; i < 40; i++) await h.notifier.publish('x.event', { i });
    await h.notifier.start();
    const peaks: number[] = [];
    for (let t = 0; t < 600; t++) {
      await clock.advance(100);
      peaks.push(inFlight.get('https://one.example.com') ?? 0);
    }
    await h.notifier.stop();
    return { peaks, requests: transport.requests.length };
  }

  it('an endpoint answering just within slowAttemptMs keeps perEndpointConcurrency slots', async () => {
    const { peaks } = await peakFor(() => 999, 1_000);
    expect(Math.max(...peaks)).toBe(4);
  });

  it('one taking slowAttemptMs has one slot; it gets its share back once it answers sooner', async () => {
    // The first 10 attempts take 1 s (slow), the rest 100 ms.
    const { peaks } = await peakFor((i) => (i < 10 ? 1_000 : 100), 1_000);
    // The first attempt is that of a new endpoint (one slot); each slow one keeps it at one...
    expect(Math.max(...peaks.slice(0, 100))).toBe(1);
    // ...and from the first prompt answer (at 10.1 s) it is back to four.
    expect(Math.max(...peaks.slice(102))).toBe(4);
  });
});
