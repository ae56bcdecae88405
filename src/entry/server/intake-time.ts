import { parseEventTime } from '../../events/time.js';
import { isPlainObject } from '../../helpers/values.js';

/**
 * Event time as Segment's and RudderStack's tracking APIs compute it (README, "Event time"), for events straight
 * from SDKs (`/v1/*`): a device's clock may be hours off, so the time it stamped is kept as `originalTimestamp`
 * and `timestamp = receivedAt − (sentAt − (timestamp ?? originalTimestamp))`, the delay between the event and
 * its sending as the device measured it, applied to our clock. Needs both device times readable; `receivedAt`
 * (the request's arrival) is set on every event that has none. Events are changed in place: they were just
 * parsed from the request.
 */
export function correctDeviceTimes(events: readonly unknown[], receivedAtMs: number): void {
  const receivedAt = new Date(receivedAtMs).toISOString();
  // Every event of a batch usually carries the batch's sentAt: read again only when it differs (none reads as none).
  let sentAtText: unknown;
  let sentAt: number | undefined;
  for (const event of events) {
    if (!isPlainObject(event)) continue;
    // The arrival this call stamps needs no parsing.
    const arrived = event.receivedAt === undefined ? receivedAtMs : msOf(event.receivedAt);
    event.receivedAt ??= receivedAt;
    if (event.sentAt !== sentAtText) [sentAtText, sentAt] = [event.sentAt, msOf(event.sentAt)];
    const deviceTime = msOf(event.timestamp ?? event.originalTimestamp);
    if (arrived === undefined || sentAt === undefined || deviceTime === undefined) continue;
    event.originalTimestamp ??= event.timestamp;
    event.timestamp = new Date(arrived - (sentAt - deviceTime)).toISOString();
  }
}

const msOf = (value: unknown): number | undefined => {
  const iso = parseEventTime(value);
  return iso === undefined ? undefined : Date.parse(iso);
};
