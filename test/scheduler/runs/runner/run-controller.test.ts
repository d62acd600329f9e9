import { describe, expect, it } from 'vitest';
import { RunController } from '../../../../src/scheduler/runs/runner/run-controller.js';
import type { ExchangeEnd } from '../../../../src/transport/direct-abort.js';

// The runner and the transport read a run's abort from its controller, not its signal (which an HTTP job's
// run never makes): the two must always agree, whenever the signal is made.

describe('RunController', () => {
  it('says what its signal says, before and after the signal is made', () => {
    const early = new RunController();
    const earlySignal = early.signal;
    const late = new RunController();
    expect([early.aborted, late.aborted]).toEqual([false, false]);
    const reason = new Error('stopping');
    early.abort(reason);
    late.abort(reason);
    expect(early.reason).toBe(reason);
    expect(earlySignal.aborted).toBe(true);
    expect(earlySignal.reason).toBe(reason);
    // Made after the abort: aborted, with the same reason.
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(late.reason);
    expect(() => late.throwIfAborted()).toThrow(reason);
  });

  it("keeps the first abort's reason, and gives an AbortError as the signal would when none is given", () => {
    const controller = new RunController();
    controller.abort();
    controller.abort(new Error('later'));
    expect(controller.reason).toBeInstanceOf(DOMException);
    expect((controller.reason as DOMException).name).toBe('AbortError');
    expect(controller.signal.reason).toBe(controller.reason);
  });

  it('ends the exchange put on it with the reason, once', () => {
    const controller = new RunController();
    const ended: unknown[] = [];
    const exchange: ExchangeEnd = { end: (how, cause) => ended.push([how, cause]) };
    controller.exchange = exchange;
    const reason = new Error('timed out');
    controller.abort(reason);
    controller.abort(new Error('again'));
    expect(ended).toEqual([['abort', reason]]);
    expect(controller.exchange).toBeNull();
  });
});
