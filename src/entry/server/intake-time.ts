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
  for (const event of events) {
    if (!isPlainObject(event)) continue;
    event.receivedAt ??= new Date(receivedAtMs).toISOString();
    const [arrived, sentAt, deviceTime] = [event.receivedAt, event.sentAt, event.timestamp ?? event.originalTimestamp].map(msOf);
    if (arrived === undefined || sentAt === undefined || deviceTime === undefined) continue;
    event.originalTimestamp ??= event.timestamp;
    event.timestamp = new Date(arrived - (sentAt - deviceTime)).toISOString();
  }
}

const msOf = (value: unknown): number | undefined => {
  const iso = parseEventTime(value);
  return iso === undefined ? undefined : Date.parse(iso);
};
