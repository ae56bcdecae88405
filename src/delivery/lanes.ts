import type { OpenPanelRequest } from '../openpanel/contract.js';
import type { DeadLetter } from './dead-letters.js';
import { requestKeys } from './dedupe.js';
import { groupLane, messageLane, userLane, type NewOutboxEvent, type OutboxRequest } from './outbox.js';

/**
 * An event's requests with their keys and lanes: group upserts go to their group's lane (and may be superseded
 * there), everything else to the user's lane, in the order the transform produced them.
 */
export function laneRequests(messageId: string, userKey: string | undefined, requests: readonly OpenPanelRequest[]): OutboxRequest[] {
  const keys = requestKeys(messageId, requests as OpenPanelRequest[]);
  const ownLane = userKey !== undefined ? userLane(userKey) : messageLane(messageId);
  return requests.map((request, i) =>
    request.body.type === 'group'
      ? { key: keys[i]!, lane: groupLane(request.body.payload.id), request, supersedable: true }
      : { key: keys[i]!, lane: ownLane, request },
  );
}

/** A dead letter as an outbox event again (replay): same messageId and keys, attempts counted on. */
export function eventOfDeadLetter(record: DeadLetter): NewOutboxEvent {
  return {
    index: record.index ?? 0,
    messageId: record.messageId,
    ...(record.userKey !== undefined ? { userKey: record.userKey } : {}),
    event: record.event,
    requests: laneRequests(record.messageId, record.userKey, record.requests),
    history: { attempts: record.attempts, firstAttemptAt: Date.parse(record.firstAttemptAt) },
  };
}
