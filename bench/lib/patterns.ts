/**
 * `n` minute-level daily cron expressions (`m h * * *`), spread over the day starting `startMinute` minutes
 * after midnight UTC and covering at most `spanMinutes` distinct minutes, so the orchestrator can keep the
 * next few minutes free (for the idle benchmark, where no job may be due).
 */
export function dailyPatterns(n: number, startMinute: number, spanMinutes = 1380): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const minuteOfDay = (startMinute + ((i * 7) % spanMinutes)) % 1440;
    out[i] = `${minuteOfDay % 60} ${Math.floor(minuteOfDay / 60)} * * *`;
  }
  return out;
}

/** First minute of the day (UTC) at least `marginMinutes` from now. */
export function minuteAfter(marginMinutes: number, now = Date.now()): number {
  const d = new Date(now);
  return (d.getUTCHours() * 60 + d.getUTCMinutes() + marginMinutes) % 1440;
}
