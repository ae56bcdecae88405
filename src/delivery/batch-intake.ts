import { createHash } from 'node:crypto';
import type { DestinationConfig } from '../config/schema.js';
import { wellFormed } from '../events/well-formed.js';
import type { Mappings } from '../mapping/load.js';
import { MembershipOverlay } from '../membership/overlay.js';
import type { MembershipStore } from '../membership/store.js';
import type { OpenPanelRequest } from '../openpanel/contract.js';
import type { TransformResult } from '../transform/result.js';
import { createTransformer } from '../transform/transformer.js';
import { requestKeys } from './dedupe.js';
import type { TakenEvent } from './deliverer.js';
import { laneRequests } from './lanes.js';
import type { FinalOutcome, NewOutboxEvent, Outbox, OutboxRequest } from './outbox.js';

/** What intake did with one event: queued (committed to the outbox), skipped or rejected, with why. */
export interface AcceptOutcome {
  index: number;
  messageId?: string;
  status: 'accepted' | 'skipped' | 'rejected';
  reason?: string;
}

/** An event as committed: its outbox id when queued, and its final outcome when the commit itself settled it. */
export type Committed = AcceptOutcome & { eventId?: string; final?: FinalOutcome };

/** What one batch's commit did: each event's outcome, what the observer is told was taken, and the events the commit settled. */
export interface CommittedBatch {
  outcomes: Committed[];
  taken: TakenEvent[];
  settled: FinalOutcome[];
}

/** What a batch is transformed against and committed to. */
export interface BatchIntake {
  config: DestinationConfig;
  outbox: Outbox;
  membership: MembershipStore;
  mappings: Mappings;
  /** Receive time of events without a usable time, and the commit's time. */
  now: () => number;
}

/** A batch's events, and each one's JSON text where the caller already has it (serve's routes measure each event). */
export interface IntakeBatch {
  events: readonly unknown[];
  json?: ReadonlyArray<string | undefined>;
}

const DUPLICATE = 'duplicate:';
export const duplicateReason = (messageId: string | undefined): string =>
  `${DUPLICATE} every request of messageId ${messageId ?? '(none)'} was already delivered or is queued`;
/** A skip because every request of the event was already delivered or is queued (a re-sent event): the CLI's summary counts them. */
export const isDuplicateSkip = (outcome: { status: string; reason?: string }): boolean =>
  outcome.status === 'skipped' && outcome.reason?.startsWith(DUPLICATE) === true;

/** Events without a messageId get one derived from their content, so a re-sent copy is still recognised. */
const contentId = (event: unknown): string => `content-${createHash('sha1').update(JSON.stringify(event)).digest('base64url')}`;

/** The membership keys an event may read (a hint for preloading: a key missed here is read when used). */
const membershipKeys = (event: unknown): string[] => {
  if (typeof event !== 'object' || event === null) return [];
  const { userId, anonymousId, previousId } = event as Record<string, unknown>;
  return [userId, anonymousId, previousId].filter((id): id is string => typeof id === 'string' && id !== '');
};

/** How an event was taken, for the delivery observer (the console's live view). */
export const takenEvent = (
  outcome: AcceptOutcome & { eventId?: string },
  event: unknown,
  userKey?: string,
  requests: readonly OutboxRequest[] = [],
): TakenEvent => ({
  ...outcome,
  ...(userKey !== undefined ? { userKey } : {}),
  event,
  requests,
});

/**
 * The pipeline's core (docs/outbox.md "Intake"): transforms a batch against membership plus the batch's own
 * changes (an overlay), builds each event's lanes, and commits the membership changes, group states and requests
 * in one outbox transaction. Throws QueueFullError (nothing committed) when the queue would exceed `maxQueued`.
 */
export async function commitBatch(
  { config, outbox, membership, mappings, now }: BatchIntake,
  { events, json }: IntakeBatch,
  indexOf: (i: number) => number,
  maxQueued: number,
): Promise<CommittedBatch> {
  const overlay = new MembershipOverlay(membership);
  await overlay.preload(events.flatMap(membershipKeys));
  const takenByOutbox = async (messageId: string, request: OpenPanelRequest): Promise<boolean> =>
    (await outbox.taken(requestKeys(messageId, [request]))).size > 0;
  const transformEvent = createTransformer({ config, membership: overlay, mappings, now, taken: takenByOutbox, messageIdOf: contentId, stampReceivedAt: true });
  const results: TransformResult[] = [];
  for (let i = 0; i < events.length; i++) results.push(await transformEvent(events[i], indexOf(i)));
  const queued: NewOutboxEvent[] = [];
  for (const [i, result] of results.entries()) {
    if (result.status !== 'ok') continue;
    // Kept for its dead letter as the transform read it: text every store can hold (src/events/well-formed.ts).
    const { value: event } = wellFormed(events[i]);
    const messageId = result.messageId ?? contentId(event);
    // The caller's text is the event's only while nothing had to be replaced (then `event` is a fixed copy).
    const text = event === events[i] ? json?.[i] : undefined;
    queued.push({
      index: result.index,
      messageId,
      ...(result.userKey !== undefined ? { userKey: result.userKey } : {}),
      event,
      ...(text !== undefined ? { json: text } : {}),
      requests: laneRequests(messageId, result.userKey, result.requests),
    });
  }
  const seen = results.flatMap((result, i) => (result.unchanged ? requestKeys(result.messageId ?? contentId(events[i]), result.unchanged) : []));
  const committed = await outbox.commit({ membership: overlay.changes(), events: queued, now: now(), seen }, maxQueued);
  // An event of this batch superseded by a later one of it is final already: nobody waits for it yet.
  const finals = new Map(committed.settled.map((outcome) => [outcome.eventId, outcome]));
  const taken: TakenEvent[] = [];
  let next = 0;
  const outcomes = results.map((result, i): Committed => {
    const base = { index: result.index, ...(result.messageId !== undefined ? { messageId: result.messageId } : {}) };
    if (result.status !== 'ok') {
      const outcome = { ...base, status: result.status, reason: result.reason };
      taken.push(takenEvent(outcome, events[i]));
      return outcome;
    }
    const entry = committed.events[next]!;
    const { requests } = queued[next++]!;
    const final = 'duplicate' in entry ? undefined : finals.get(entry.eventId);
    const outcome: Committed =
      'duplicate' in entry
        ? { ...base, status: 'skipped', reason: duplicateReason(result.messageId) }
        : { ...base, status: 'accepted', eventId: entry.eventId, ...(final ? { final } : {}) };
    taken.push(takenEvent(outcome, events[i], result.userKey, requests));
    return outcome;
  });
  return { outcomes, taken, settled: committed.settled };
}
