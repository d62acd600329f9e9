/** `cronhook jobs list|add|remove|pause|resume|trigger|runs`. */
import { CronhookError } from '../../errors.js';
import type { RunStatus } from '../../scheduler/types.js';
import { type Command, choiceOption, intOption, stringOption } from '../command.js';
import {
  iso,
  JOB_HEADERS,
  jobRow,
  msText,
  nextRunText,
  printFields,
  printJson,
  printTable,
  RUN_HEADERS,
  runRow,
  scheduleText,
  targetText,
} from '../format.js';
import { JOB_ADD_OPTIONS, jobDefinitionFromFlags } from '../job-flags.js';
import { DATABASE_OPTIONS, withApp } from '../storage.js';

const JSON_OPTION = { json: { type: 'boolean', description: 'Print JSON' } } as const;
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
  cronhook jobs add --definition '{"id":"x","schedule":{"every":"1h"},"target":{"handler":"cleanup"}}'`,
  run: ({ values, io }) => {
    const definition = jobDefinitionFromFlags(values);
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
  summary: 'Run a job now, in this process, and print the finished run.',
  positionals: ID,
  options: { ...DATABASE_OPTIONS, ...JSON_OPTION },
  details: `HTTP jobs run here. Handler jobs need their handler, which only the process that registered it
(cronhook run with a .js/.mjs config) has: here they fail with ERR_HANDLER_NOT_FOUND.
The run's webhooks are stored in the outbox and sent by the running instance.
Exit code 1 when the run failed.`,
  run: ({ values, positionals, io }) =>
    withApp(values, { mustExist: true }, async ({ scheduler }) => {
      const run = await scheduler.triggerJob(positionals[0]!);
      if (values.json) printJson(io, run);
      else
        printFields(io, [
          ['run', run.id],
          ['status', run.status],
          ['attempts', String(run.attempts)],
          ['duration', msText(run.durationMs)],
          ['status code', run.statusCode === null ? '-' : String(run.statusCode)],
          ['error', run.error ? `${run.error.code}: ${run.error.message}` : '-'],
        ]);
      return run.status === 'succeeded' ? 0 : 1;
    }),
};

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
      description: 'Only runs in this status: queued, running, succeeded, failed, skipped, missed',
    },
    before: { type: 'string', value: '<run-id>', description: 'Page: runs older than this one' },
  },
  run: ({ values, positionals, io }) =>
    withApp(values, { mustExist: true }, async ({ scheduler }) => {
      const id = positionals[0]!;
      const limit = intOption(values, 'limit', 20, { min: 1, max: 10_000 });
      const status = choiceOption<RunStatus>(values, 'status', [
        'queued',
        'running',
        'succeeded',
        'failed',
        'skipped',
        'missed',
      ]);
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
