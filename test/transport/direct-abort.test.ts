import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from '../../src/transport/deadlines.js';
import type { DirectAbort, ExchangeEnd } from '../../src/transport/direct-abort.js';
import { Exchange, type ExchangeContext } from '../../src/transport/exchange.js';
import { LateAbortWatch } from '../../src/transport/late-abort-watch.js';
import { SignalWatch } from '../../src/transport/signal-watch.js';

// A caller that hands over its own abort (the scheduler's runs) ends its request from that abort, at once,
// and a caller whose abort comes at the request's deadline spares it a deadline timer of its own.

/** A controller whose abort ends the exchange put on it, as the scheduler's RunController does. */
class Direct extends AbortController implements DirectAbort {
  exchange: ExchangeEnd | null = null;
  get aborted(): boolean {
    return this.signal.aborted;
  }
  get reason(): unknown {
    return this.signal.reason;
  }
  override abort(reason?: unknown): void {
    super.abort(reason);
    this.exchange?.end('abort', this.signal.reason);
  }
}

function context(): ExchangeContext & { settled: number } {
  const ctx = {
    connectTimeoutMs: 1_000,
    maxResponseBytes: 1_024,
    deadlines: new Deadlines(),
    watch: new LateAbortWatch(),
    signals: new SignalWatch(),
    settled: 0,
    onSettled: () => {
      ctx.settled++;
    },
  };
  return ctx;
}

/** Whether `promise` has settled, once pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await Promise.resolve();
  await Promise.resolve();
  return done;
}

describe('Exchange with a direct abort', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("ends at once when its caller's controller aborts, no timer passing, and leaves the controller", async () => {
    const ctx = context();
    const direct = new Direct();
    const exchange = new Exchange(ctx, 'http://127.0.0.1:9', 5_000, direct.signal, direct);
    expect(direct.exchange).toBe(exchange);
    // Its deadline only: the caller's signal is not queued to be watched.
    expect(vi.getTimerCount()).toBe(1);
    direct.abort(new Error('stopping'));
    expect(await settled(exchange.promise!)).toBe(true);
    await expect(exchange.promise!).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(direct.exchange).toBeNull();
    expect(ctx.settled).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('arms no deadline when its caller aborts at the deadline itself, and ends by that abort', async () => {
    const ctx = context();
    const direct = new Direct();
    const exchange = new Exchange(ctx, 'http://127.0.0.1:9', 5_000, direct.signal, direct, false);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(await settled(exchange.promise!)).toBe(false);
    direct.abort(new Error('its own timeout'));
    await expect(exchange.promise!).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('keeps its deadline by default, and answered it is taken off the controller', async () => {
    const ctx = context();
    const direct = new Direct();
    const exchange = new Exchange(ctx, 'http://127.0.0.1:9', 5_000, direct.signal, direct);
    exchange.onResponseStart(null as never, 200, {});
    exchange.onResponseEnd();
    await expect(exchange.promise!).resolves.toMatchObject({ status: 200 });
    expect(direct.exchange).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    // A later abort of the run reaches no exchange.
    direct.abort(new Error('late'));
    expect(ctx.settled).toBe(1);
  });

  it("without one, leaves the caller's signal to the watch of requests pending a moment (the notifier's)", async () => {
    const ctx = context();
    const controller = new AbortController();
    const exchange = new Exchange(ctx, 'http://127.0.0.1:9', 5_000, controller.signal);
    // Its deadline, and the watch's timer.
    expect(vi.getTimerCount()).toBe(2);
    controller.abort(new Error('stopping'));
    expect(await settled(exchange.promise!)).toBe(false);
    exchange.watch();
    await expect(exchange.promise!).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });
});
