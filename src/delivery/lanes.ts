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
 * counted on. Given the groups' current states, a group upsert is brought up to date (replayedUpsert): newer
 * upserts of its group may have been delivered meanwhile. Without them (Redis), the commit script does it.
 */
export function eventOfDeadLetter(record: DeadLetter, currentGroup?: (groupId: string) => GroupState | undefined): NewOutboxEvent {
  const requests = currentGroup
    ? record.requests.map((r) => (r.body.type === 'group' ? { ...r, body: { type: 'group' as const, payload: replayedUpsert(r.body.payload, currentGroup(r.body.payload.id)) } } : r))
    : record.requests;
  return {
    index: record.index ?? 0,
    messageId: record.messageId,
    ...(record.userKey !== undefined ? { userKey: record.userKey } : {}),
    event: record.event,
    requests: laneRequests(record.messageId, record.userKey, requests, record.keys),
    history: { attempts: record.attempts, firstAttemptAt: Date.parse(record.firstAttemptAt) },
  };
}
