/** Opening-hour ranges as the profile writes them (`07:30-19:00`), parsed to minutes after midnight. */

/** A range of minutes after local midnight, end exclusive; `end` may be 1440 (24:00). */
export interface MinuteRange {
  start: number;
  end: number;
}

/** Parses `HH:MM` to minutes after midnight, or returns a reason it is not a valid time of day. */
export function parseClock(text: string): number | string {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!match) return `"${text}" is not a time of day (expected HH:MM)`;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) {
    return `${text} is not a valid time (00:00 to 24:00)`;
  }
  return hours * 60 + minutes;
}

/** Parses `HH:MM-HH:MM`, or returns the reasons it is not a valid range. */
export function parseRange(text: string): MinuteRange | string {
  const [from, to, ...rest] = text.split('-');
  if (from === undefined || to === undefined || rest.length > 0)
    return `"${text}" is not a range (expected HH:MM-HH:MM)`;
  const start = parseClock(from);
  const end = parseClock(to);
  const problems = [start, end].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) return problems.join('; ');
  if ((end as number) <= (start as number)) {
    return `${text} ends before it starts (split a range that passes midnight over two days)`;
  }
  return { start: start as number, end: end as number };
}

/** Formats minutes after midnight as `HH:MM`. */
export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
