import { describe, expect, it } from 'vitest';
import { Emitter, type ErrorEventPayload } from '../src/events.js';
import { flushPromises } from '../src/testing/fake-clock.js';

interface Events {
  ping: { type: 'ping'; n: number };
  error: ErrorEventPayload;
}

describe('Emitter', () => {
  const make = () => new Emitter<Events>(() => new Date(0));

  it('delivers payloads to listeners and unsubscribes with the returned function', async () => {
    const emitter = make();
    const seen: number[] = [];
    const off = emitter.on('ping', (e) => void seen.push(e.n));
    await emitter.emit('ping', { type: 'ping', n: 1 });
    off();
    await emitter.emit('ping', { type: 'ping', n: 2 });
    expect(seen).toEqual([1]);
    expect(emitter.listenerCount('ping')).toBe(0);
  });

  it('once listens to one emission only', async () => {
    const emitter = make();
    const seen: number[] = [];
    emitter.once('ping', (e) => void seen.push(e.n));
    await emitter.emit('ping', { type: 'ping', n: 1 });
    await emitter.emit('ping', { type: 'ping', n: 2 });
    expect(seen).toEqual([1]);
  });

  it('turns a throwing or rejecting listener into an error event and still calls the others', async () => {
    const emitter = make();
    const errors: ErrorEventPayload[] = [];
    const seen: number[] = [];
    emitter.on('error', (e) => void errors.push(e));
    emitter.on('ping', () => {
      throw new Error('sync');
    });
    emitter.on('ping', async () => {
      throw new Error('async');
    });
    emitter.on('ping', (e) => void seen.push(e.n));
    await expect(emitter.emit('ping', { type: 'ping', n: 7 })).resolves.toBeUndefined();
    await flushPromises();
    expect(seen).toEqual([7]);
    expect(errors.map((e) => [(e.error as Error).message, e.event])).toEqual([
      ['sync', 'ping'],
      ['async', 'ping'],
    ]);
  });

  it('a failing error listener is ignored rather than looping', async () => {
    const emitter = make();
    let calls = 0;
    emitter.on('error', () => {
      calls++;
      throw new Error('error listener bug');
    });
    emitter.on('ping', () => {
      throw new Error('x');
    });
    await emitter.emit('ping', { type: 'ping', n: 1 });
    await flushPromises();
    expect(calls).toBe(1);
  });

  it('awaits listeners registered with { await: true } and not the others', async () => {
    const emitter = make();
    const order: string[] = [];
    let release: () => void = () => {};
    emitter.on('ping', () => new Promise<void>((r) => (release = r)).then(() => void order.push('observer')));
    emitter.on(
      'ping',
      async () => {
        await flushPromises(1);
        order.push('awaited');
      },
      { await: true },
    );
    await emitter.emit('ping', { type: 'ping', n: 1 });
    order.push('emit resolved');
    release();
    await flushPromises();
    expect(order).toEqual(['awaited', 'emit resolved', 'observer']);
  });

  it('awaits a sole awaited listener, and resolves when it rejects (an error event instead)', async () => {
    const emitter = make();
    const order: string[] = [];
    const errors: unknown[] = [];
    emitter.on('error', (e) => void errors.push(e.error));
    const off = emitter.on(
      'ping',
      async (e) => {
        await flushPromises(1);
        order.push(`awaited ${e.n}`);
        if (e.n === 2) throw new Error('listener failed');
      },
      { await: true },
    );
    await emitter.emit('ping', { type: 'ping', n: 1 });
    order.push('emit 1 resolved');
    await expect(emitter.emit('ping', { type: 'ping', n: 2 })).resolves.toBeUndefined();
    order.push('emit 2 resolved');
    off();
    emitter.on('ping', () => new Promise<void>(() => {})); // never settles, not awaited
    await emitter.emit('ping', { type: 'ping', n: 3 });
    expect(order).toEqual(['awaited 1', 'emit 1 resolved', 'awaited 2', 'emit 2 resolved']);
    expect(errors).toEqual([new Error('listener failed')]);
  });

  it('calls every listener of an emit even when one of them unsubscribes another', async () => {
    const emitter = make();
    const seen: string[] = [];
    const second = () => void seen.push('second');
    emitter.on('ping', () => {
      seen.push('first');
      emitter.off('ping', second);
    });
    emitter.on('ping', second);
    await emitter.emit('ping', { type: 'ping', n: 1 });
    await emitter.emit('ping', { type: 'ping', n: 2 });
    expect(seen).toEqual(['first', 'second', 'first']);
  });
});
