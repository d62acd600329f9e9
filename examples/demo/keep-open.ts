/**
 * After the timeline and its summary, an interactive demo keeps running until Ctrl-C: the jobs keep firing,
 * their webhooks keep reaching the receiver, and the dashboard stays up to try each action.
 */
import type { Storage } from 'cronhook';
import type { Printer } from './output.js';

/** Says, clearly and with the dashboard's address again, that the demo goes on until Ctrl-C. */
export function printStillRunning(out: Printer, dashboard: { url: string; password: string }): void {
  out.line();
  out.line(out.paint('bold', 'Still running: the jobs keep firing and their webhooks keep arriving below.'));
  const facts: Array<[string, string]> = [
    ['dashboard', `${dashboard.url}  user demo, password ${dashboard.password}`],
    ['try', 'Run now, Pause and Resume a job; Ping, Rotate secret, Add endpoint; Redeliver, Replay'],
    ['stop', 'press Ctrl-C (the summary above stays; the database is kept)'],
  ];
  for (const [label, text] of facts) out.line(`  ${out.paint('dim', label.padEnd(9))}  ${text}`);
  out.line();
}

/**
 * The secrets that currently sign for the endpoints pointing at `url`, read from the database. The receiver
 * reads them before each request once the demo keeps running: it stands in for the person who copies a secret
 * from the dashboard (a new endpoint's, a rotated one) into the receiver's configuration, so that those
 * actions can be tried end to end.
 */
export async function endpointSecrets(storage: Storage, url: string): Promise<string[]> {
  const now = Date.now();
  const endpoints = await storage.listEndpoints({ limit: 100 });
  return endpoints
    .filter((e) => e.url === url)
    .flatMap((e) => e.secrets)
    .filter((s) => s.expiresAt === null || s.expiresAt.getTime() > now)
    .map((s) => s.secret);
}
