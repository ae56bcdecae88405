import { replayedUpsert, type GroupState } from '../membership/group-state.js';
import type { OpenPanelRequest } from '../openpanel/contract.js';
import type { DeadLetter } from './dead-letters.js';
import { requestKeys } from './dedupe.js';
import { groupLane, messageLane, userLane, type NewOutboxEvent, type OutboxRequest } from './outbox.js';

/**
 * An event's requests with their keys (given, or computed from the requests) and lanes: group upserts go to
 * their group's lane (and may be superseded there), everything else to the user's lane, in the order the
 * transform produced them.
 */
export function laneRequests(
  messageId: string,
  userKey: string | undefined,
  requests: readonly OpenPanelRequest[],
  keys: readonly string[] = requestKeys(messageId, requests as OpenPanelRequest[]),
): OutboxRequest[] {
  const ownLane = userKey !== undefined ? userLane(userKey) : messageLane(messageId);
  return requests.map((request, i) =>
    request.body.type === 'group'
      ? { key: keys[i]!, lane: groupLane(request.body.payload.id), request, supersedable: true }
      : { key: keys[i]!, lane: ownLane, request },
  );
}

/**
 * A dead letter as an outbox event again (replay): same messageId and the keys its requests had, attempts
 * counted on; `replayed`, so the commit brings its group upserts up to date (replayedRequest).
 */
export function eventOfDeadLetter(record: DeadLetter): NewOutboxEvent {
  return {
    replayed: true,
    index: record.index ?? 0,
    messageId: record.messageId,
    ...(record.userKey !== undefined ? { userKey: record.userKey } : {}),
    event: record.event,
    requests: laneRequests(record.messageId, record.userKey, record.requests, record.keys),
    history: { attempts: record.attempts, firstAttemptAt: Date.parse(record.firstAttemptAt) },
  };
}

/**
 * A replayed request as its commit queues it: a group upsert is brought to its group's current state
 * (group-state.ts' replayedUpsert), since newer upserts of the group may have been delivered meanwhile.
 */
export function replayedRequest(queued: OutboxRequest, current: (groupId: string) => GroupState | undefined): OutboxRequest {
  const { body } = queued.request;
  if (body.type !== 'group') return queued;
  return { ...queued, request: { ...queued.request, body: { type: 'group', payload: replayedUpsert(body.payload, current(body.payload.id)) } } };
}
