import { isPlainObject } from '../helpers/values.js';
import { parseEventTime } from './time.js';

/** Segment's order for the event time; the receive time when none can be read. */
const eventTimeFields = ['timestamp', 'originalTimestamp', 'sentAt'] as const;
const timeFields = [...eventTimeFields, 'receivedAt'] as const;
const objectFields = ['properties', 'traits', 'context', 'integrations'] as const;
const nameFields = ['event', 'name', 'category'] as const;

const shown = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/**
 * Harmless shape noise of real senders, read the way they meant it before the strict schema sees the event:
 * the call type in any case; `properties`/`traits`/`context`/`integrations` that are null or [] are absent;
 * numeric event/page/screen names are strings, null ones absent; every time field in a form parseEventTime
 * reads becomes ISO-8601 UTC, one it cannot read is dropped (an event time falls back to the next field, and
 * `note` says so); an anonymousId given only in `context.traits` is the event's. The input is copied only when
 * something changes (rarely); it is never modified.
 */
export function readLeniently(raw: Record<string, unknown>): { input: Record<string, unknown>; note?: string } {
  let input = raw;
  const set = (key: string, value: unknown) => {
    if (input === raw) input = { ...raw };
    if (value === undefined) delete input[key];
    else input[key] = value;
  };
  if (typeof raw.type === 'string' && raw.type !== raw.type.toLowerCase()) set('type', raw.type.toLowerCase());
  for (const key of objectFields) {
    const value = raw[key];
    if (value === null || (Array.isArray(value) && value.length === 0)) set(key, undefined);
  }
  for (const key of nameFields) {
    const value = raw[key];
    if (typeof value === 'number' && Number.isFinite(value)) set(key, String(value));
    else if (value === null) set(key, undefined);
  }
  // RudderStack's SDKs and transformer also read the anonymous id from context.traits (older SDKs put it there only).
  const traitsAnonymousId = contextTraitsAnonymousId(raw);
  if ((raw.anonymousId === undefined || raw.anonymousId === null || raw.anonymousId === '') && traitsAnonymousId !== undefined)
    set('anonymousId', traitsAnonymousId);
  let unreadable: string[] | undefined;
  for (const key of timeFields) {
    const value = raw[key];
    if (value === undefined) continue;
    // Nearly every time is already canonical ISO-8601, returned as is: no copy then.
    const time = parseEventTime(value);
    if (time === value) continue;
    set(key, time);
    if (time === undefined && value !== null && value !== '' && key !== 'receivedAt') (unreadable ??= []).push(`${key} ${shown(value)}`);
  }
  if (unreadable === undefined) return { input };
  const used = eventTimeFields.find((key) => input[key] !== undefined) ?? 'the receive time';
  return { input, note: `${unreadable.join(', ')} not a time: event time from ${used}` };
}

function contextTraitsAnonymousId(raw: Record<string, unknown>): string | undefined {
  const traits = isPlainObject(raw.context) ? raw.context.traits : undefined;
  const id = isPlainObject(traits) ? traits.anonymousId : undefined;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return typeof id === 'string' && id.trim() !== '' ? id : undefined;
}
