import { isPlainObject } from '../../helpers/values.js';

/**
 * The events of a body that may be one event, an array of events or `{"batch": [...]}` (what webhook senders
 * post, and what the console's event tester takes); `single` when it was one event. Undefined for anything else.
 */
export function eventsOfBody(body: unknown): { events: unknown[]; single: boolean } | undefined {
  if (Array.isArray(body)) return { events: body, single: false };
  if (isPlainObject(body) && Array.isArray(body.batch)) return { events: body.batch, single: false };
  if (isPlainObject(body)) return { events: [body], single: true };
  return undefined;
}
