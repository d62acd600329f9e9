// Flaky webhook receivers for the soak test, in a worker thread so they do not share the sender's event loop
// or heap. Plain JavaScript so both tsx and vitest can start it without a loader.
// Each request: 5% hang (never answered), 50% answered 500, the rest 204. Outcomes come from a seeded PRNG,
// so a run is reproducible. The parent asks for { type: 'stats' } and gets every webhook-id answered 2xx.
import { writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { receivers, hangRate, failRate, seed, watchdogMs } = workerData;
let state = seed >>> 0 || 1;
function random() {
  // mulberry32
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const stats = { requests: 0, hung: 0, failed: 0, ok: 0 };
const okIds = [];
const servers = [];
const sockets = new Set();

for (let i = 0; i < receivers; i++) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      stats.requests++;
      const r = random();
      if (r < hangRate) {
        stats.hung++;
        return; // never answered: the sender's attempt timeout ends it
      }
      if (r < hangRate + failRate) {
        stats.failed++;
        res.writeHead(500).end('flaky');
        return;
      }
      stats.ok++;
      okIds.push(String(req.headers['webhook-id']));
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push(server);
}

await Promise.all(servers.map((s) => new Promise((resolve) => s.listen(0, '127.0.0.1', resolve))));
parentPort.postMessage({ type: 'ready', ports: servers.map((s) => s.address().port) });

// The sender's thread beats every second. If its event loop is starved (busy with promise chains that never
// yield), nothing there can report it or stop: this thread does, and ends the process.
let lastBeat = Date.now();
const watchdog = setInterval(() => {
  if (watchdogMs > 0 && Date.now() - lastBeat > watchdogMs) {
    // Straight to fd 2: a worker's process.stderr goes through the starved thread.
    writeSync(
      2,
      `[soak] the sender's event loop has not run a timer for ${Date.now() - lastBeat} ms (starved); ` +
        `receivers so far: ${JSON.stringify(stats)}. Killing the process (SIGTERM).\n`,
    );
    // process.exit() here would end this thread only; a signal ends the whole process.
    process.kill(process.pid, 'SIGTERM');
  }
}, 1000);

parentPort.on('message', (message) => {
  if (message.type === 'beat') {
    lastBeat = Date.now();
  } else if (message.type === 'stats') {
    parentPort.postMessage({ type: 'stats', stats: { ...stats }, okIds: message.withIds ? okIds : [] });
  } else if (message.type === 'close') {
    clearInterval(watchdog);
    for (const socket of sockets) socket.destroy();
    Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))).then(() => {
      parentPort.postMessage({ type: 'closed' });
      parentPort.close();
    });
  }
});
