/**
 * One adapter per library: the same expressions and the same handler, registered the way each library's
 * README does it. Each library is imported only in the process that measures it, before the heap baseline.
 */

export const LIBRARIES = ['cronhook', 'node-cron', 'croner', 'toad-scheduler'] as const;
export type Library = (typeof LIBRARIES)[number];

/** Called on every run: the job's index and the occurrence it is for (epoch ms), when the library says. */
export type OnRun = (index: number, scheduledAt: number | null) => void;

export interface Registered {
  stop(): Promise<void>;
}

export interface RegisterOptions {
  /** cronhook only: runs in flight at once. */
  concurrency?: number;
}

export type Register = (
  expressions: string[],
  onRun: OnRun,
  options?: RegisterOptions,
) => Promise<Registered>;

const silentLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** Imports `library` and returns its registration function. */
export async function loadLibrary(library: Library): Promise<Register> {
  switch (library) {
    case 'cronhook': {
      const { MemoryStorage, Scheduler } = await import('cronhook');
      return async (expressions, onRun, options = {}) => {
        const scheduler = new Scheduler({
          storage: new MemoryStorage(),
          timezone: 'UTC',
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        });
        scheduler.handle('tick', ({ job, run }) => {
          onRun(Number(job.id.slice(1)), run.scheduledAt.getTime());
        });
        for (let i = 0; i < expressions.length; i++) {
          await scheduler.addJob({ id: `j${i}`, schedule: expressions[i]!, target: { handler: 'tick' } });
        }
        await scheduler.start();
        return { stop: () => scheduler.stop({ timeoutMs: 1000 }) };
      };
    }
    case 'node-cron': {
      const cron = (await import('node-cron')).default;
      return async (expressions, onRun) => {
        const tasks = expressions.map((expression, i) =>
          cron.schedule(expression, (ctx) => onRun(i, ctx.date.getTime()), {
            timezone: 'UTC',
            logger: silentLogger,
          }),
        );
        return {
          stop: async () => {
            for (const task of tasks) await task.destroy();
          },
        };
      };
    }
    case 'croner': {
      const { Cron } = await import('croner');
      return async (expressions, onRun) => {
        const jobs = expressions.map(
          (expression, i) =>
            new Cron(expression, { timezone: 'UTC' }, (self) =>
              onRun(i, self.currentRun()?.getTime() ?? null),
            ),
        );
        return {
          stop: async () => {
            for (const job of jobs) job.stop();
          },
        };
      };
    }
    case 'toad-scheduler': {
      const { ToadScheduler, CronJob, Task } = await import('toad-scheduler');
      return async (expressions, onRun) => {
        const scheduler = new ToadScheduler();
        for (let i = 0; i < expressions.length; i++) {
          const task = new Task(`t${i}`, () => onRun(i, null));
          scheduler.addCronJob(
            new CronJob({ cronExpression: expressions[i]!, timezone: 'UTC' }, task, { id: `j${i}` }),
          );
        }
        return {
          stop: async () => {
            scheduler.stop();
          },
        };
      };
    }
  }
}
