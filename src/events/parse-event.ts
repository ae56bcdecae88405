import { isPlainObject } from '../helpers/values.js';
import { zCdpEvent, type CdpEvent } from './schema.js';
import { fastParseEvent } from './fast-event.js';
import { readLeniently } from './lenient.js';

/** `note` says what was read leniently (an event time that could not be parsed), for the outcome. */
export type ParsedEvent = { ok: true; event: CdpEvent; note?: string } | { ok: false; reason: string };

/** Validates one raw event; a failure names each field and the rule it broke, e.g. `groupId: is required for a group call`. */
export function parseEvent(raw: unknown): ParsedEvent {
  if (!isPlainObject(raw)) return { ok: false, reason: 'event: must be a JSON object' };
  const { input, note } = readLeniently(raw);
  const fast = fastParseEvent(input);
  if (fast !== undefined) return note === undefined ? { ok: true, event: fast } : { ok: true, event: fast, note };
  const result = zCdpEvent.safeParse(input);
  if (!result.success) return { ok: false, reason: result.error.issues.map((issue) => `${issue.path.join('.') || 'type'}: ${issue.message}`).join('; ') };
  const event = result.data as CdpEvent;
  return note === undefined ? { ok: true, event } : { ok: true, event, note };
}

/** The event's messageId as a string, read before validation so even a rejected event can be reported by it. */
export function rawMessageId(raw: unknown): string | undefined {
  const id = isPlainObject(raw) ? raw.messageId : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
