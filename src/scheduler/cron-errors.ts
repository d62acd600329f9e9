import { CronExpressionParser } from 'cron-parser';

const FIELDS_5 = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;
const FIELDS_6 = ['second', ...FIELDS_5] as const;

const ALLOWED: Record<(typeof FIELDS_6)[number], string> = {
  second: '0-59',
  minute: '0-59',
  hour: '0-23',
  'day of month': '1-31 or L',
  month: '1-12 or JAN-DEC',
  'day of week': '0-7 or SUN-SAT (0 and 7 are Sunday), n#k, nL',
};

const ALIASES =
  '@yearly, @annually, @monthly, @weekly, @daily, @hourly, @minutely, @secondly, @weekdays, @weekends';

/**
 * Explains why `cron` does not parse, naming the offending field and what it allows. Runs only on the error
 * path: each field is tried alone, with `*` in the others.
 */
export function describeCronError(cron: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  if (cron.startsWith('@')) return `${reason}; the aliases are ${ALIASES}`;
  const parts = cron.split(' ');
  const names = parts.length === 6 ? FIELDS_6 : FIELDS_5;
  for (let i = 0; i < parts.length; i++) {
    const probe = parts.map((part, j) => (j === i ? part : '*')).join(' ');
    try {
      CronExpressionParser.parse(probe, { tz: 'UTC', strict: false });
    } catch (fieldError) {
      const message = fieldError instanceof Error ? fieldError.message : String(fieldError);
      const name = names[i]!;
      return `${name} field ${JSON.stringify(parts[i]!.slice(0, 40))}: ${message}; allowed ${ALLOWED[name]}, with *, ranges a-b, steps /n and lists`;
    }
  }
  return `each field is valid alone, but together they match no date (${reason})`;
}
