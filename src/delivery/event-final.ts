import type { OpenPanelRequest } from '../openpanel/contract.js';
import type { LastResponse, NewDeadLetter } from './dead-letters.js';
import type { FinalOutcome } from './outbox.js';

/** A request that will not be delivered, and why. */
export interface FailedRequest {
  request: OpenPanelRequest;
  reason: string;
}

/** What every backend keeps about a queued event until it is final. */
export interface QueuedEvent {
  id: string;
  index: number;
  messageId: string;
  userKey?: string;
  event: unknown;
  totalRequests: number;
  attempts: number;
  firstAttemptAt?: number;
  failed: FailedRequest[];
  last: LastResponse;
}

/** Failures grouped by reason, each named by its request types; a partial failure says how much is missing. */
function eventReason(failures: readonly FailedRequest[], total: number): string {
  const typesByReason = new Map<string, Set<string>>();
  for (const { request, reason } of failures) {
    const types = typesByReason.get(reason) ?? new Set<string>();
    types.add(request.body.type);
    typesByReason.set(reason, types);
  }
  const detail = [...typesByReason].map(([reason, types]) => `${[...types].join(', ')}: ${reason}`).join('; ');
  return failures.length < total ? `${failures.length} of ${total} requests not delivered: ${detail}` : detail;
}

/**
 * The final outcome of an event whose requests are all settled, and the dead letter to write with it when
 * some failed. `deadLetterId` is filled in by the backend once the record is written (same transaction).
 */
export function finalOf(event: QueuedEvent, now: number): { outcome: FinalOutcome; deadLetter?: NewDeadLetter } {
  const base = { eventId: event.id, index: event.index, messageId: event.messageId, attempts: event.attempts };
  if (event.failed.length === 0) return { outcome: { ...base, status: 'delivered' } };
  const reason = eventReason(event.failed, event.totalRequests);
  const deadLetter: NewDeadLetter = {
    messageId: event.messageId,
    ...(event.userKey !== undefined ? { userKey: event.userKey } : {}),
    index: event.index,
    event: event.event,
    requests: event.failed.map((failure) => failure.request),
    lastResponse: event.last,
    attempts: event.attempts,
    reason,
    firstAttemptAt: new Date(event.firstAttemptAt ?? now).toISOString(),
    lastAttemptAt: new Date(now).toISOString(),
  };
  return { outcome: { ...base, status: 'dead_lettered', reason }, deadLetter };
}
