/** `cronhook next "<cron>"`: preview fire times without touching a database. */
import { CronhookError } from '../../errors.js';
import { normalizeSchedule } from '../../schedule/normalize.js';
import { nextOccurrence } from '../../schedule/schedule.js';
import { type Command, intOption, stringOption, UsageError } from '../command.js';
import { printJson, printTable } from '../format.js';

export const nextCommand: Command = {
  name: 'next',
  args: '"<cron>"',
  summary: 'Print the next fire times of a cron expression, in UTC and in its timezone.',
  positionals: { min: 1, max: 1 },
  options: {
    tz: {
      type: 'string',
      value: '<zone>',
      description: 'IANA timezone the expression is read in (default UTC)',
    },
    count: {
      type: 'string',
      short: 'n',
      value: '<n>',
      description: 'How many fire times (default 5, at most 1000)',
    },
    from: { type: 'string', value: '<iso>', description: 'Start after this instant (default now)' },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  details: `Examples:
  cronhook next "0 3 * * *" --tz Europe/Berlin
  cronhook next "*/15 9-17 * * MON-FRI" -n 10
  cronhook next @daily --json`,
  run({ values, positionals, io }) {
    const cron = positionals[0] ?? '';
    const timezone = stringOption(values, 'tz') ?? 'UTC';
    const count = intOption(values, 'count', 5, { min: 1, max: 1000 });
    const fromRaw = stringOption(values, 'from');
    const from = fromRaw === undefined ? Date.now() : Date.parse(fromRaw);
    if (Number.isNaN(from)) {
      throw new UsageError(`--from must be an ISO-8601 date, got ${JSON.stringify(fromRaw)}`, 'from');
    }
    let schedule: ReturnType<typeof normalizeSchedule>;
    try {
      schedule = normalizeSchedule(cron, { jobId: 'next', timezone, now: from, allowPastAt: true });
    } catch (error) {
      if (error instanceof CronhookError) {
        throw new UsageError(error.message.replace(/^Job "next": /, ''), error.field);
      }
      throw error;
    }
    const times: Date[] = [];
    let at: number | null = from;
    while (times.length < count && at !== null) {
      at = nextOccurrence(schedule, at);
      if (at !== null) times.push(new Date(at));
    }
    if (values.json) {
      printJson(io, { cron, timezone, next: times.map((t) => t.toISOString()) });
      return 0;
    }
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'short',
    });
    printTable(
      io,
      ['UTC', `LOCAL (${timezone})`],
      times.map((t) => [t.toISOString(), local.format(t)]),
      'no further fire times',
    );
    return 0;
  },
};
