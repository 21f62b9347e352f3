// Text forms of datetimes and timespans, as KQL's tostring() and the query APIs write them.
import type { KqlType, KqlValue } from './types.ts';

/** `2024-05-01T10:00:00Z`, with a fraction only when there is one (ISO 8601, UTC). */
export function formatDatetime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** `[-][d.]hh:mm:ss[.fffffff]`: https://learn.microsoft.com/kusto/query/scalar-data-types/timespan */
export function formatTimespan(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const frac = Math.round((rest - s * 1000) * 10_000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${sign}${days > 0 ? `${days}.` : ''}${pad(h)}:${pad(m)}:${pad(s)}${frac > 0 ? `.${String(frac).padStart(7, '0')}` : ''}`;
}

/** KQL's tostring() of a value of the given type. */
export function toText(type: KqlType, v: KqlValue): string {
  if (v === null) return '';
  if (type === 'datetime' && typeof v === 'number') return formatDatetime(v);
  if (type === 'timespan' && typeof v === 'number') return formatTimespan(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
