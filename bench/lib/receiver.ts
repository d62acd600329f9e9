import { spawn } from 'node:child_process';
import { ROOT, workerPath } from './child.js';

export interface Receiver {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  stop(): Promise<void>;
}

/** Starts bench/workers/receiver.ts in its own process and waits for its port. */
export function startReceiver(): Promise<Receiver> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerPath('receiver')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: ROOT,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`receiver exited early (${code})`)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        child.removeAllListeners('exit');
        resolve({
          url: `http://127.0.0.1:${Number(line)}`,
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}
