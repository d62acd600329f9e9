// What a schedule is, as given and as stored. Pure data: nothing here needs storage, a clock or I/O.

/** A cron expression with its own IANA timezone. */
export interface CronSchedule {
  /** 5 or 6 fields (seconds first), names, ranges, steps, lists, `L`, `#`, or an alias such as `@daily`. */
  cron: string;
  /** IANA timezone the expression is read in. @default the scheduler's `timezone` */
  timezone?: string;
}
/** A fixed interval: `'90s'`, `'15m'`, `'2h'`, `'1d'`, or milliseconds (at least 1000). */
export interface EverySchedule {
  every: string | number;
}
/** A one-off job at an instant. */
export interface AtSchedule {
  at: Date | string;
}
/** What {@link JobDefinition.schedule} accepts. A string is a cron expression. */
export type ScheduleInput = string | CronSchedule | EverySchedule | AtSchedule;

/** A schedule as stored: always normalized to one of three shapes. */
export type NormalizedSchedule =
  | { kind: 'cron'; cron: string; timezone: string }
  | { kind: 'every'; everyMs: number; anchor: string }
  | { kind: 'at'; at: string };

export type CatchUpPolicy = 'skip' | 'latest' | { max: number };
