/** `cronhook jobs list|add|remove|pause|resume|trigger|runs`. */
import { CronhookError } from '../../errors.js';
import { parseDuration } from '../../schedule/normalize.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import { RUN_STATUSES, type Run, type RunStatus } from '../../scheduler/types.js';
import {
  type Command,
  choiceOption,
  intOption,
  JSON_OPTION,
  type OptionValues,
  stringOption,
  UsageError,
} from '../command.js';
import {
  errorText,
  iso,
  JOB_HEADERS,
  jobRow,
  msText,
  nextRunText,
  orDash,
  printFields,
  printJson,
  printTable,
  RUN_HEADERS,
  runRow,
  scheduleText,
  targetText,
} from '../format.js';
import { JOB_ADD_OPTIONS, jobDefinitionFromFlags } from '../job-flags.js';
import { stdinValue } from '../secret-flags.js';
import { DATABASE_OPTIONS, withApp } from '../storage.js';

const ID = { min: 1, max: 1 };

const list: Command = {
  name: 'jobs list',
  summary: 'List the jobs stored in the database.',
  options: {
    ...DATABASE_OPTIONS,
    ...JSON_OPTION,
    limit: { type: 'string', value: '<n>', description: 'At most this many (default 100)' },
    paused: { type: 'boolean', description: 'Only paused jobs' },
  },
  run: ({ values, io }) =>
    withApp(values, { mustExist: true }, async ({ scheduler }) => {
      const limit = intOption(values, 'limit', 100, { min: 1, max: 10_000 });
      const jobs = await scheduler.listJobs({ limit, ...(values.paused ? { enabled: false } : {}) });
      if (values.json) printJson(io, jobs);
      else printTable(io, JOB_HEADERS, jobs.map(jobRow), 'no jobs');
      return 0;
    }),
};

const add: Command = {
  name: 'jobs add',
  summary: 'Add a job. A running `cronhook run` on the same database picks it up.',
  options: { ...DATABASE_OPTIONS, ...JSON_OPTION, ...JOB_ADD_OPTIONS },
  details: `Examples:
  cronhook jobs add --id nightly --cron "0 3 * * *" --tz Europe/Berlin --url https://example.com/report
  cronhook jobs add --id ping --every 5m --url https://example.com/ping --method GET --attempts 3
  cronhook jobs add --definition '{"id":"x","schedule":{"every":"1h"},"target":{"handler":"cleanup"}}'
  API_TOKEN=… cronhook jobs add --id report --every 1h --url https://example.com/r --header-env "Authorization=API_TOKEN"
  cronhook jobs add --definition - < job.json`,
  run: async ({ values, io }) => {
    // A definition may hold header values and a signing secret: `-` keeps it off the command line.
    const definition = jobDefinitionFromFlags(
      values.definition === '-' ? { ...values, definition: await stdinValue(io, 'definition') } : values,
    );
    return withApp(values, { mustExist: false }, async ({ scheduler }) => {
      const job = await scheduler.addJob(definition);
      if (values.json) printJson(io, job);
      else io.out(`added ${job.id}: ${scheduleText(job)} → ${targetText(job)}, next run ${nextRunText(job)}`);
      return 0;
    });
  },
};

const remove: Command = {
  name: 'jobs remove',
  args: '<id>',
  summary: 'Remove a job and its run history.',
  positionals: ID,
  options: { ...DATABASE_OPTIONS },
  run: ({ values, positionals, io }) =>
    withApp(values, { mustExist: true }, async ({ scheduler }) => {
      await scheduler.removeJob(positionals[0]!);
      io.out(`removed ${positionals[0]}`);
      return 0;
    }),
};

function toggle(verb: 'pause' | 'resume'): Command {
  return {
    name: `jobs ${verb}`,
    args: '<id>',
    summary:
      verb === 'pause' ? 'Stop scheduling a job until it is resumed.' : 'Resume a paused job from now on.',
    positionals: ID,
    options: { ...DATABASE_OPTIONS, ...JSON_OPTION },
    run: ({ values, positionals, io }) =>
      withApp(values, { mustExist: true }, async ({ scheduler }) => {
        const id = positionals[0]!;
        const job = verb === 'pause' ? await scheduler.pauseJob(id) : await scheduler.resumeJob(id);
        if (values.json) printJson(io, job);
        else if (verb === 'pause') io.out(`paused ${job.id}`);
        else io.out(`resumed ${job.id}, next run ${iso(job.nextRunAt)}`);
        return 0;
      }),
  };
}

const trigger: Command = {
  name: 'jobs trigger',
  args: '<id>',
  summary: 'Run a job now on a running instance (or, with --here, in this process); print the outcome.',
  positionals: ID,
  options: {
    ...DATABASE_OPTIONS,
    ...JSON_OPTION,
    timeout: {
      type: 'string',
      value: '<duration>',
      description: 'How long a running instance has to take the run: 30s, 5m (default 60s)',
    },
    'no-wait': { type: 'boolean', description: 'Print the requested run and exit, without waiting for it' },
    here: { type: 'boolean', description: 'Run it in this process instead (HTTP jobs only)' },
  },
  details: `The run is asked for through the database: a running instance on it (cronhook run, or your app)
takes it at once, any instance for an HTTP job, one that registered the handler for a handler job, and
this command waits for the outcome. When none takes it within --timeout, it never runs: it is recorded
skipped with ERR_REQUEST_EXPIRED. Interrupting the wait leaves the run going.
--here runs an HTTP job in this process instead; a handler job is refused there (only the process that
registered its handler can run it). The run's webhooks are sent by the running instance.
Exit code 0 when the run succeeded, 1 otherwise.`,
  run: ({ values, positionals, io }) => {
    const id = positionals[0]!;
    const timeout = durationOption(values, 'timeout');
    if (values.here && (values['no-wait'] || timeout !== undefined)) {
      throw new UsageError(
        '--here runs the job in this process: --no-wait and --timeout do not apply',
        'here',
      );
    }
    return withApp(values, { mustExist: true }, async ({ scheduler }) => {
      let run: Run;
      if (values.here) run = await triggerHere(scheduler, id);
      else {
        const requested = await scheduler.requestRun(
          id,
          timeout === undefined ? {} : { expiresInMs: timeout },
        );
        if (values['no-wait']) {
          if (values.json) printJson(io, requested);
          else
            io.out(
              `requested run ${requested.id} of ${id}: a running instance takes it (see: cronhook jobs runs ${id})`,
            );
          return 0;
        }
        run = await scheduler.waitForRun(requested.id);
      }
      if (values.json) printJson(io, run);
      else
        printFields(io, [
          ['run', run.id],
          ['status', run.status],
          ['instance', run.instanceId ?? '-'],
          ['attempts', String(run.attempts)],
          ['duration', msText(run.durationMs)],
          ['status code', orDash(run.statusCode)],
          ['error', errorText(run.error)],
        ]);
      return run.status === 'succeeded' ? 0 : 1;
    });
  },
};

/** `--here`: triggerJob, with the refusal of a handler job said in the CLI's words. */
async function triggerHere(scheduler: Scheduler, id: string): Promise<Run> {
  try {
    return await scheduler.triggerJob(id);
  } catch (error) {
    if (!(error instanceof CronhookError && error.code === 'ERR_HANDLER_NOT_FOUND')) throw error;
    throw new CronhookError(
      'ERR_HANDLER_NOT_FOUND',
      `job ${id} calls a handler, which only the process that registered it can run (cronhook run with a ` +
        'module config, or your app): drop --here to have a running instance run it',
      { field: 'here' },
    );
  }
}

/** A duration flag (`30s`, `5m`, or milliseconds), or undefined when not given. */
function durationOption(values: OptionValues, name: string): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  let ms = Number.NaN;
  try {
    ms = Math.round(parseDuration(/^\d+$/.test(raw) ? Number(raw) : raw));
  } catch {
    // said below
  }
  if (!(ms >= 1_000 && ms <= 86_400_000)) {
    throw new UsageError(
      `--${name} must be a duration from 1s to 1d, such as 30s or 5m, got ${JSON.stringify(raw)}`,
      name,
    );
  }
  return ms;
}

const runs: Command = {
  name: 'jobs runs',
  args: '<id>',
  summary: "A job's recorded runs, newest first.",
  positionals: ID,
  options: {
    ...DATABASE_OPTIONS,
    ...JSON_OPTION,
    limit: { type: 'string', value: '<n>', description: 'At most this many (default 20)' },
    status: {
      type: 'string',
      value: '<status>',
      description: `Only runs in this status: ${RUN_STATUSES.join(', ')}`,
    },
    before: { type: 'string', value: '<run-id>', description: 'Page: runs older than this one' },
  },
  run: ({ values, positionals, io }) =>
    withApp(values, { mustExist: true }, async ({ scheduler }) => {
      const id = positionals[0]!;
      const limit = intOption(values, 'limit', 20, { min: 1, max: 10_000 });
      const status = choiceOption<RunStatus>(values, 'status', RUN_STATUSES);
      const before = stringOption(values, 'before');
      // Not-found is an error here, not an empty list: a typo in the id should say so.
      if ((await scheduler.getJob(id)) === null) {
        throw new CronhookError('ERR_JOB_NOT_FOUND', `No job with id ${JSON.stringify(id)}`, { field: 'id' });
      }
      const list = await scheduler.listRuns(id, {
        limit,
        ...(status ? { status } : {}),
        ...(before ? { before } : {}),
      });
      if (values.json) printJson(io, list);
      else printTable(io, RUN_HEADERS, list.map(runRow), `no runs of ${id} yet`);
      return 0;
    }),
};

export const jobsCommands: Command[] = [list, add, remove, toggle('pause'), toggle('resume'), trigger, runs];
