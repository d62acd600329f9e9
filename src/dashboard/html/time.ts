import { type Html, html } from './template.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** `2026-03-29 02:30:00 GMT+2`-style text of an instant in a zone (UTC: `… UTC`). */
export function formatInstant(date: Date, zone: string): string {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(date)) parts[p.type] = p.value;
  const name = zone === 'UTC' ? 'UTC' : (parts.timeZoneName ?? zone);
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${name}`;
}

/** "in 3 min", "5 s ago", "2 h ago", "now". */
export function relativeTime(date: Date, now: Date): string {
  const diff = date.getTime() - now.getTime();
  const abs = Math.abs(diff);
  if (abs < 1000) return 'now';
  let text: string;
  if (abs < 60_000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)} min`;
  else if (abs < 172_800_000) text = `${Math.round(abs / 3_600_000)} h`;
  else text = `${Math.round(abs / 86_400_000)} d`;
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/** A duration for people: 850 ms, 12.3 s, 4 min 5 s. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * An instant with its relative time: `<time>` in the zone, refreshed by the script. The date and the clock
 * are each kept whole, so a narrow column wraps between them, never inside the date.
 */
export function timeCell(date: Date | null, zone: string, now: Date): Html {
  if (date === null) return html`<span class="muted">—</span>`;
  const iso = date.toISOString();
  const text = formatInstant(date, zone);
  const space = text.indexOf(' ');
  return html`<time datetime="${iso}" title="${iso}"><span class="whole">${text.slice(0, space)}</span> <span class="whole">${text.slice(space + 1)}</span></time> <span class="rel" data-rel="${date.getTime()}">${relativeTime(date, now)}</span>`;
}
