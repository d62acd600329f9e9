import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isCronhookError } from '../../src/errors.js';
import { SignalWatch, type SignalWatcher } from '../../src/transport/signal-watch.js';
import { useHttpFixtures } from '../helpers/transport-fixtures.js';

// The requests watched on one signal share one abort listener: a listener per request linked each from the
// signal's listener list, which kept requests long over (and promoted them) once an entry of that list had
// reached the old generation.

function watcher(log: string[], name: string): SignalWatcher {
  return {
    watchPrev: null,
    watchNext: null,
    watchedBy: null,
    aborted: (reason) => void log.push(`${name}:${String(reason)}`),
  };
}

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('SignalWatch', () => {
  it('adds one listener to a signal however many requests are watched on it, and removes it with the last', () => {
    const watch = new SignalWatch();
    const controller = new AbortController();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => watcher([], name));
    for (const w of [a!, b!, c!]) watch.watch(controller.signal, w);
    expect(listeners(controller.signal)).toBe(1);
    watch.unwatch(b!);
    expect(listeners(controller.signal)).toBe(1);
    watch.unwatch(a!);
    watch.unwatch(c!);
    expect(listeners(controller.signal)).toBe(0);
    // Watched again: listening again.
    watch.watch(controller.signal, a!);
    expect(listeners(controller.signal)).toBe(1);
  });

  it('leaves no link in a request it stopped watching, and its neighbours linked to each other', () => {
    const watch = new SignalWatch();
    const signal = new AbortController().signal;
    const [a, b, c] = ['a', 'b', 'c'].map((name) => watcher([], name));
    for (const w of [a!, b!, c!]) watch.watch(signal, w);
    watch.unwatch(b!);
    expect([b!.watchPrev, b!.watchNext, b!.watchedBy]).toEqual([null, null, null]);
    // Listed newest first.
    expect(c!.watchNext).toBe(a);
    expect(a!.watchPrev).toBe(c);
    watch.unwatch(b!); // not watched: nothing
    expect(c!.watchNext).toBe(a);
  });

  it('ends every request watched on a signal when it aborts, each once, with its reason; others go on', () => {
    const watch = new SignalWatch();
    const log: string[] = [];
    const first = new AbortController();
    const other = new AbortController();
    watch.watch(first.signal, watcher(log, 'a'));
    watch.watch(first.signal, watcher(log, 'b'));
    const c = watcher(log, 'c');
    watch.watch(other.signal, c);
    first.abort('stop');
    expect(log.sort()).toEqual(['a:stop', 'b:stop']);
    expect(listeners(first.signal)).toBe(0);
    expect(c.watchedBy).not.toBeNull();
    other.abort('later');
    expect(log).toContain('c:later');
  });
});

describe('HttpTransport: requests pending on one signal', () => {
  const { server, transport } = useHttpFixtures();

  it('watches one signal with one listener for all its pending requests, and an abort ends them all', async () => {
    const receiver = await server(() => {});
    const controller = new AbortController();
    const http = transport();
    const sends = [1, 2, 3].map((i) =>
      http
        .send({ url: receiver.url(`/${i}`), timeoutMs: 10_000 }, { signal: controller.signal })
        .catch((e) => e),
    );
    // Pending long enough to be watched (see LateAbortWatch).
    while (receiver.requests.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listeners(controller.signal)).toBe(1);
    controller.abort();
    const errors = await Promise.all(sends);
    expect(errors.map((e) => (isCronhookError(e) ? e.code : e))).toEqual([
      'ERR_ABORTED',
      'ERR_ABORTED',
      'ERR_ABORTED',
    ]);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('removes the listener once the requests on a signal are answered', async () => {
    let answer: (() => void) | null = null;
    const receiver = await server((_req, res) => {
      answer = () => res.writeHead(200).end('ok');
    });
    const controller = new AbortController();
    const send = transport().send({ url: receiver.url(), timeoutMs: 10_000 }, { signal: controller.signal });
    while (answer === null) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listeners(controller.signal)).toBe(1);
    (answer as () => void)();
    expect((await send).status).toBe(200);
    expect(listeners(controller.signal)).toBe(0);
  });
});
