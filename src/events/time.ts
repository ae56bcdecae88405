/**
 * Event times as real libraries write them, read as UTC instants: ISO-8601 with or without an offset (none
 * means UTC, as in the spec's examples), `YYYY-MM-DD HH:mm:ss(.SSS)`, a bare date, and epoch times as numbers
 * or digit strings (seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude).
 */

/** Already what toISOString prints (nearly every event): no parsing. */
const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const dateTime = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const epochDigits = /^-?\d+(?:\.\d+)?$/;
// Magnitudes of epoch values for the years 1973..5138 in each unit: smaller units have more digits.
const SECONDS_BELOW = 1e11;
const MILLIS_BELOW = 1e14;
const MICROS_BELOW = 1e17;

function fromEpoch(value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  const magnitude = Math.abs(value);
  if (magnitude < SECONDS_BELOW) return value * 1000;
  if (magnitude < MILLIS_BELOW) return value;
  if (magnitude < MICROS_BELOW) return value / 1e3;
  return value / 1e6;
}

function fromDateTime(text: string): number | undefined {
  const m = dateTime.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) =>
    part === undefined ? undefined : Number(part),
  ) as number[];
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month! < 1 || month! > 12 || day! < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const utc = Date.UTC(year!, month! - 1, day!, hour, minute, second, millis);
  // Date.UTC rolls 2025-02-30 over to March: a day that does not exist is not a time.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  const offsetMinutes = m[9] === undefined ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0));
  return utc - offsetMinutes * 60_000;
}

/** The instant as ISO-8601 UTC (`2025-03-01T09:00:00.000Z`), or undefined when `value` is not a time in any of those forms. */
export function parseEventTime(value: unknown): string | undefined {
  if (typeof value === 'string' && canonical.test(value)) return value;
  let ms: number | undefined;
  if (typeof value === 'number') ms = fromEpoch(value);
  else if (typeof value === 'string') {
    const text = value.trim();
    ms = epochDigits.test(text) ? fromEpoch(Number(text)) : fromDateTime(text);
  }
  if (ms === undefined) return undefined;
  const time = new Date(Math.round(ms));
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}
