import { isPlainObject } from '../mapping/paths.js';
import { zCdpEvent, type CdpEvent } from './event.js';

/** `note` says what was read leniently (an event time that could not be parsed), for the outcome. */
export type ParsedEvent = { ok: true; event: CdpEvent; note?: string } | { ok: false; reason: string };

/** Segment's order for the event time; receive time when none can be read. */
export const eventTimeFields = ['timestamp', 'originalTimestamp', 'sentAt'] as const;

const shown = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/** Which time fields were present but unreadable, and what the event time came from instead. */
function timeNote(raw: Record<string, unknown>, event: CdpEvent): string | undefined {
  const unreadable = eventTimeFields.filter((field) => raw[field] !== undefined && raw[field] !== null && raw[field] !== '' && event[field] === undefined);
  if (unreadable.length === 0) return undefined;
  const used = eventTimeFields.find((field) => event[field] !== undefined) ?? 'the receive time';
  return `${unreadable.map((field) => `${field} ${shown(raw[field])}`).join(', ')} not a time: event time from ${used}`;
}

/** Validates one raw event; a failure names each field and the rule it broke, e.g. `groupId: is required for a group call`. */
export function parseEvent(raw: unknown): ParsedEvent {
  if (!isPlainObject(raw)) return { ok: false, reason: 'event: must be a JSON object' };
  // Some senders capitalise the call type ("Track", "IDENTIFY"); the spec's names are lower case.
  const input = typeof raw.type === 'string' && raw.type !== raw.type.toLowerCase() ? { ...raw, type: raw.type.toLowerCase() } : raw;
  const result = zCdpEvent.safeParse(input);
  if (!result.success) return { ok: false, reason: result.error.issues.map((issue) => `${issue.path.join('.') || 'type'}: ${issue.message}`).join('; ') };
  const event = result.data as CdpEvent;
  const note = timeNote(raw, event);
  return note === undefined ? { ok: true, event } : { ok: true, event, note };
}

/** The event's messageId as a string, read before validation so even a rejected event can be reported by it. */
export function rawMessageId(raw: unknown): string | undefined {
  const id = isPlainObject(raw) ? raw.messageId : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
