import type { NormalizedSchedule } from '../../index.js';

/**
 * Schedules in plain English for the jobs pages ("at 03:00 on Monday to Friday"). Covers the forms people
 * write; anything else returns null and the page shows the expression alone. Hand-written rather than a
 * dependency: the core has none for this, and it needs only English and cronhook's own cron dialect.
 */
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MONTH_NAMES: Record<string, number> = Object.fromEntries(
  MONTHS.map((m, i) => [m.slice(0, 3).toLowerCase(), i + 1]),
);

const ALIASES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const pad = (n: number) => String(n).padStart(2, '0');
const plural = (n: number, unit: string) => (n === 1 ? unit : `${n} ${unit}s`);

function number(field: string, names: Record<string, number> = {}): number | null {
  if (/^\d+$/.test(field)) return Number(field);
  const named = names[field.toLowerCase()];
  return named ?? null;
}

/** A list of plain values (`1,15`) or null when the field has ranges or steps. */
function values(field: string, names?: Record<string, number>): number[] | null {
  const parts = field.split(',').map((p) => number(p, names));
  return parts.every((p): p is number => p !== null) ? parts : null;
}

function step(field: string): number | null {
  const m = /^(?:\*|0)\/(\d+)$/.exec(field);
  return m ? Number(m[1]) : null;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function daysOfWeek(field: string): string | null {
  if (field === '*' || field === '?') return '';
  const range = /^(\w+)-(\w+)$/.exec(field);
  if (range) {
    const from = number(range[1]!, DAY_NAMES);
    const to = number(range[2]!, DAY_NAMES);
    if (from === null || to === null) return null;
    return `on ${DAYS[from % 7]} to ${DAYS[to % 7]}`;
  }
  const days = values(field, DAY_NAMES);
  return days ? `on ${list(days.map((d) => DAYS[d % 7] ?? String(d)))}` : null;
}

function daysOfMonth(field: string): string | null {
  if (field === '*' || field === '?') return '';
  if (field === 'L') return 'on the last day of the month';
  const days = values(field);
  return days ? `on day ${list(days.map(String))} of the month` : null;
}

function months(field: string): string | null {
  if (field === '*') return '';
  const ms = values(field, MONTH_NAMES);
  return ms ? `in ${list(ms.map((m) => MONTHS[m - 1] ?? String(m)))}` : null;
}

/** The time-of-day part, from seconds, minutes and hours; null when too irregular to say simply. */
function timeOfDay(sec: string, min: string, hour: string): string | null {
  const s = values(sec);
  const singleSecond = s !== null && s.length === 1 ? s[0]! : null;
  if (sec === '*' && min === '*' && hour === '*') return 'every second';
  const secStep = step(sec);
  if (secStep !== null && min === '*' && hour === '*') return `every ${plural(secStep, 'second')}`;
  if (singleSecond === null) return null;
  const suffix = singleSecond === 0 ? '' : ` and ${plural(singleSecond, 'second')}`;
  if (min === '*' && hour === '*')
    return singleSecond === 0 ? 'every minute' : `every minute at second ${singleSecond}`;
  const minStep = step(min);
  if (minStep !== null && hour === '*') return `every ${plural(minStep, 'minute')}`;
  const minutes = values(min);
  if (minutes === null) return null;
  if (hour === '*') return `at minute ${list(minutes.map(String))} of every hour${suffix}`;
  const hourStep = step(hour);
  if (hourStep !== null && minutes.length === 1) {
    return `every ${plural(hourStep, 'hour')} at minute ${minutes[0]}${suffix}`;
  }
  const hours = values(hour);
  if (hours === null) return null;
  const times = hours.flatMap((h) =>
    minutes.map((m) => `${pad(h)}:${pad(m)}${singleSecond ? `:${pad(singleSecond)}` : ''}`),
  );
  return times.length > 6 ? null : `at ${list(times)}`;
}

/** A cron expression in words, or null when it is beyond the common forms. */
export function cronInWords(expression: string): string | null {
  const text = ALIASES[expression.trim().toLowerCase()] ?? expression.trim();
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return null;
  const [sec, min, hour, dom, month, dow] = fields.length === 6 ? fields : ['0', ...fields];
  const when = timeOfDay(sec!, min!, hour!);
  const day = dom !== '*' && dom !== '?' && dow !== '*' && dow !== '?' ? null : (daysOfMonth(dom!) ?? null);
  const week = daysOfWeek(dow!);
  const inMonth = months(month!);
  if (when === null || day === null || week === null || inMonth === null) return null;
  return [when, day, week, inMonth].filter(Boolean).join(' ');
}

/** A duration in the largest whole unit: 90_000 → "90 seconds", 900_000 → "15 minutes". */
export function durationInWords(ms: number): string {
  for (const [unit, size] of [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ] as const) {
    if (ms % size === 0) return plural(ms / size, unit);
  }
  return `${ms} ms`;
}

/** The schedule as written (cron expression, interval or instant). */
export function scheduleAsWritten(schedule: NormalizedSchedule): string {
  if (schedule.kind === 'cron') return schedule.cron;
  if (schedule.kind === 'every') return `every ${durationInWords(schedule.everyMs)}`;
  return `at ${schedule.at}`;
}

/** The schedule in words, capitalized, or null when it has none beyond what is written. */
export function scheduleInWords(schedule: NormalizedSchedule): string | null {
  if (schedule.kind === 'every') return `Every ${durationInWords(schedule.everyMs)}`;
  if (schedule.kind === 'at') return 'Once';
  const words = cronInWords(schedule.cron);
  return words ? words[0]!.toUpperCase() + words.slice(1) : null;
}
