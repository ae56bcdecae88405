import { isPlainObject } from '../mapping/paths.js';
import { zCdpEvent, type CdpEvent } from './event.js';

export type ParsedEvent = { ok: true; event: CdpEvent } | { ok: false; reason: string };

/** Validates one raw event; a failure names each field and the rule it broke, e.g. `groupId: is required for a group call`. */
export function parseEvent(raw: unknown): ParsedEvent {
  if (!isPlainObject(raw)) return { ok: false, reason: 'event: must be a JSON object' };
  // Some senders capitalise the call type ("Track"); the spec's names are lower case.
  const input = typeof raw.type === 'string' && raw.type !== raw.type.toLowerCase() ? { ...raw, type: raw.type.toLowerCase() } : raw;
  const result = zCdpEvent.safeParse(input);
  if (result.success) return { ok: true, event: result.data as CdpEvent };
  const reason = result.error.issues.map((issue) => `${issue.path.join('.') || 'type'}: ${issue.message}`).join('; ');
  return { ok: false, reason };
}

/** The event's messageId as a string, read before validation so even a rejected event can be reported by it. */
export function rawMessageId(raw: unknown): string | undefined {
  const id = isPlainObject(raw) ? raw.messageId : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
