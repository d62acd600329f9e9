/** The demo's live lines: one per run outcome and one per delivery attempt, aligned in columns. */
import type {
  DeliveryAttempt,
  Job,
  NotifierEvents,
  Run,
  Scheduler,
  SchedulerEvents,
  WebhookNotifier,
} from 'cronhook';
import { type Column, clockTime, formatMs, type Printer } from './output.js';
import type { Receiver } from './receiver.js';

const COLUMNS: Column[] = [
  { title: 'TIME', width: 8 },
  { title: 'KIND', width: 4 },
  { title: 'JOB', width: 14 },
  { title: 'STATUS', width: 9 },
  { title: 'TRY', width: 3, align: 'right' },
  { title: 'DURATION', width: 8, align: 'right' },
  { title: 'VERIFIED', width: 8 },
  { title: 'DETAIL', width: 60 },
];

export class LiveLog {
  readonly #out: Printer;
  readonly #receiver: Receiver;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(out: Printer, receiver: Receiver) {
    this.#out = out;
    this.#receiver = receiver;
  }

  printHeader(): void {
    this.#out.header(COLUMNS);
  }

  attach(scheduler: Scheduler, notifier: WebhookNotifier): void {
    const on = <K extends keyof SchedulerEvents>(event: K, fn: (e: SchedulerEvents[K]) => void) =>
      this.#unsubscribe.push(scheduler.on(event, fn));
    on('job.succeeded', (e) => this.#run(e.job, e.run, 'succeeded', 'green', resultOf(e.run)));
    on('job.failed', (e) => this.#run(e.job, e.run, 'failed', 'red', briefError(e.error, e.run)));
    on('job.retrying', (e) =>
      this.#run(
        e.job,
        { ...e.run, attempts: e.attempt, durationMs: null },
        'retrying',
        'yellow',
        `${briefError(e.error, e.run)}, retry in ${formatMs(e.delayMs)}`,
      ),
    );
    on('job.skipped', (e) =>
      this.#run(e.job, e.run, 'skipped', 'dim', `previous run still going (${e.reason})`),
    );
    on('job.missed', (e) => this.#run(e.job, e.run, 'missed', 'dim', 'occurrence missed'));
    on('error', (e) => this.problem(e.error));

    const hook = <K extends 'delivery.succeeded' | 'delivery.retrying' | 'delivery.failed'>(
      event: K,
      label: string,
      style: 'green' | 'yellow' | 'red',
    ) =>
      this.#unsubscribe.push(notifier.on(event, (e: NotifierEvents[K]) => this.#delivery(e, label, style)));
    hook('delivery.succeeded', 'delivered', 'green');
    hook('delivery.retrying', 'retrying', 'yellow');
    hook('delivery.failed', 'failed', 'red');
    this.#unsubscribe.push(notifier.on('error', (e) => this.problem(e.error)));
  }

  detach(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  note(text: string): void {
    this.#out.line(this.#out.paint('cyan', `  ${clockTime(new Date())}  ── ${text}`));
  }

  problem(error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    this.#out.line(this.#out.paint('red', `  ${clockTime(new Date())}  error: ${text}`));
  }

  /** The receiver's verdict on the forged request. */
  forged(messageId: string): void {
    const seen = this.#receiver.lastFor(messageId);
    this.#out.row(COLUMNS, [
      clockTime(new Date()),
      'hook',
      '(stranger)',
      { text: 'rejected', style: 'red' },
      '-',
      '-',
      { text: seen?.verified ? 'yes' : 'no', style: seen?.verified ? 'green' : 'red' },
      `HTTP ${seen?.status ?? '?'} ${seen?.reason ?? ''}`,
    ]);
  }

  #run(job: Job, run: Run, status: string, style: 'green' | 'red' | 'yellow' | 'dim', detail: string): void {
    const late =
      run.startedAt && run.trigger !== 'manual' ? run.startedAt.getTime() - run.scheduledAt.getTime() : null;
    this.#out.row(COLUMNS, [
      clockTime(new Date()),
      { text: 'run', style: 'blue' },
      job.id,
      { text: status, style },
      `${run.attempts}/${job.retry.attempts}`,
      formatMs(run.durationMs),
      { text: '-', style: 'dim' },
      late === null || status === 'retrying'
        ? detail
        : `${detail}  ${this.#out.paint('dim', `late ${late} ms`)}`,
    ]);
  }

  #delivery(
    e: { attempt: DeliveryAttempt; delivery: { messageId: string; topic: string } },
    label: string,
    style: 'green' | 'yellow' | 'red',
  ): void {
    const seen = this.#receiver.lastFor(e.delivery.messageId);
    // `job.execution.succeeded` → `job.succeeded`: the scheduler event it came from, and a narrower column.
    const topic = e.delivery.topic.replace(/^job\.execution\./, 'job.').padEnd(14);
    const outcome =
      e.attempt.statusCode === null ? (e.attempt.error?.code ?? 'no answer') : `HTTP ${e.attempt.statusCode}`;
    const extra = [
      e.attempt.trigger === 'auto' ? '' : `[${e.attempt.trigger}]`,
      seen?.duplicate ? 'duplicate' : '',
    ].filter(Boolean);
    this.#out.row(COLUMNS, [
      clockTime(new Date()),
      { text: 'hook', style: 'magenta' },
      seen?.jobId ?? (e.delivery.topic === 'webhook.ping' ? '(ping)' : '-'),
      { text: label, style },
      String(e.attempt.attempt),
      formatMs(e.attempt.durationMs),
      seen === undefined
        ? { text: '-', style: 'dim' }
        : { text: seen.verified ? 'yes' : 'no', style: seen.verified ? 'green' : 'red' },
      [`${topic} ${outcome}`, ...extra].join('  '),
    ]);
  }
}

/** A few words instead of the full message: the status code, or the error code (a timeout says how long). */
function briefError(error: { code: string; message: string }, run: Run): string {
  const status = run.statusCode ?? /answered (\d{3})/.exec(error.message)?.[1];
  if (status !== undefined) return `HTTP ${status}`;
  const after = /timed out after (\d+ ?m?s)/.exec(error.message)?.[1];
  return after ? `${error.code} after ${after}` : error.code;
}

function resultOf(run: Run): string {
  if (run.statusCode !== null) return `HTTP ${run.statusCode}`;
  if (!run.responseSnippet) return 'done';
  const text = run.responseSnippet;
  return `→ ${text.length > 30 ? `${text.slice(0, 29)}…` : text}`;
}
