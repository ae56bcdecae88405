import { z } from 'zod';
import type { MembershipChanges } from '../membership/store.js';
import { isPlainObject } from '../helpers/values.js';
import type { OpenPanelRequest } from '../openpanel/contract.js';
import { zDeadLetterRequest, type LastResponse } from './dead-letters.js';
import type { EventOutcome } from './outcome.js';

/**
 * The durable outbox (docs/outbox.md): what the transform decided, waiting to be delivered. Every backend
 * (state/sqlite, file or in memory; state/redis) implements `Outbox` and passes test/contract/outbox.contract.ts.
 *
 * Model
 * - An *event* is one accepted input event: its original JSON (kept for a dead letter), index, messageId, and
 *   one or more *requests*. It stays queued until each of its requests is settled (delivered, superseded or
 *   failed); then it leaves the outbox with one final outcome (`delivered`, or `dead_lettered` with a dead
 *   letter holding the failed requests, written in the same atomic step).
 * - Every request sits in one *lane* (a FIFO): `u:<userKey>` for a user's requests (profileId, else
 *   anonymousId), `m:<messageId>` for an event without a user, `g:<groupId>` for a group's upserts. Only a
 *   lane's head (lowest sequence) may be claimed, so per-user and per-group order hold across retries and
 *   restarts. Lanes are independent: a user's track does not wait for a group upsert in `g:` (OpenPanel joins
 *   groups by id when queried, so only the order of one group's upserts matters).
 * - A request with `supersedable: true` (a group upsert) replaces every *unclaimed* request of its lane when
 *   committed: those count as settled for their events (their successor carries the latest traits) and their
 *   keys are recorded as delivered, so a re-sent older event never revives stale traits.
 *
 * Atomicity (each method is one transaction: SQLite `db.transaction`, Redis one Lua script or MULTI/EXEC)
 * - `commit(changes)`: applies the membership merges (union keeping each group's earliest assignedAt, which
 *   is commutative, so two instances merging into one key lose nothing) and group states, drops
 *   requests whose key was delivered within the dedupe TTL or is already queued, appends the rest to their
 *   lanes (a lane becomes ready at its head's `readyAt`), and records the events. An event none of whose
 *   requests was queued is reported `duplicate` and not stored. Fails as a whole with `QueueFullError` when
 *   queued events plus the new ones would exceed `maxQueuedEvents` (checked before anything is written).
 * - `claim(limit, now, leaseMs)`: up to `limit` heads of lanes that are ready (`readyAt <= now`) and not
 *   leased, in a fair order (no lane starves: the oldest `readyAt` first), each lane leased until `now + leaseMs`. A lease that expires (its owner
 *   died) makes the lane claimable again: at most that request is sent twice. A single-process backend that
 *   holds an exclusive lock on its state may drop all leases when it opens.
 * - `settle(settlements, now)`: a batch of attempts' results, applied in order in one transaction (group
 *   commit: one write for the responses that came back together). Each ends its entry's lease. `delivered`
 *   removes the request and records its key as delivered; `retry` keeps it at the head with its attempt count
 *   and the lane ready at `at`; `failed` removes it and remembers it (with `reason`) for the event's dead
 *   letter; `released` changes nothing but the lease (not attempted: paused or shutting down). An entry that
 *   is no longer its lane's head (superseded while on the wire) is ignored. When it was the event's last open
 *   request, the event leaves the outbox and its final outcome is returned.
 * - `releaseBackoffs(now)`: every unleased lane whose `readyAt` is later than `now` becomes ready at `now`
 *   (the deliverer calls it when OpenPanel answers again after an outage, so backoffs do not outlast it).
 * - `requeueDeadLetters(limit)`: moves up to `limit` dead letters, oldest first, back into the outbox as
 *   events (same messageId, keys, lanes, attempt history), removing them from the dead letters.
 */

/** The lane of a user's requests (profileId, else anonymousId). */
export const userLane = (userKey: string): string => `u:${userKey}`;
/** The lane of an event without a user: only copies of itself queue behind it. */
export const messageLane = (messageId: string): string => `m:${messageId}`;
/** The lane of one group's upserts, whichever users sent them. */
export const groupLane = (groupId: string): string => `g:${groupId}`;

export const zOutboxRequest = z.object({
  /** Dedupe key, `${messageId}:${type}:${discriminator}` (see requestKeys). */
  key: z.string().min(1),
  lane: z.string().min(1),
  request: zDeadLetterRequest,
  /** A group upsert: a newer one committed to the same lane replaces it while unclaimed. */
  supersedable: z.boolean().optional(),
});
export type OutboxRequest = z.infer<typeof zOutboxRequest>;

/** Attempts already spent (a replayed dead letter keeps counting from them). */
export const zAttemptHistory = z.object({ attempts: z.int().nonnegative(), firstAttemptAt: z.number() });

/** One accepted event as committed: its requests in the order they must go out within each lane. */
export const zNewOutboxEvent = z.object({
  index: z.int().nonnegative(),
  messageId: z.string().min(1),
  userKey: z.string().optional(),
  /** The original input event, for its dead letter. */
  event: z.unknown(),
  /** `event` as JSON text when the caller already has it (serve's routes measured it), so the commit does not stringify it again. */
  json: z.string().optional(),
  requests: z.array(zOutboxRequest).min(1),
  history: zAttemptHistory.optional(),
  /** A dead letter sent again: its group upserts are brought up to date with their groups when committed. */
  replayed: z.boolean().optional(),
});
export type NewOutboxEvent = z.infer<typeof zNewOutboxEvent>;

/** Everything one group commit writes, atomically. */
export interface ChangeSet {
  membership: MembershipChanges;
  events: NewOutboxEvent[];
  /** Receive time (ms): the events' enqueue time and the ready time of the lanes they start. */
  now: number;
  /** Request keys recorded as delivered without a request (group upserts that changed nothing: TransformResult.unchanged). */
  seen?: string[];
}

export interface CommitResult {
  /** Per committed event, in order: its id when queued, or `duplicate` when every request was already delivered or queued. */
  events: Array<{ eventId: string; queuedRequests: number } | { duplicate: true }>;
  /** Events that became final because their last open request was superseded by this commit. */
  settled: FinalOutcome[];
}

/** A claimed lane head. */
export interface OutboxEntry {
  /** The request's id in the outbox. */
  id: string;
  eventId: string;
  lane: string;
  key: string;
  request: OpenPanelRequest;
  /** Attempts already made on this request (0 for a fresh one). */
  attempts: number;
  /** Time (ms) of its first attempt, when there was one. */
  firstAttemptAt?: number;
  /** Why the stored request could not be read back (then `request` holds its stored text): dead-lettered unsent. */
  unreadable?: string;
}

/** How much of an unreadable request's stored text its dead letter keeps. */
const unreadableTextChars = 2_000;

/**
 * A request as a backend stored it (JSON text), read back for a claim. Text that is not a request any more
 * (a damaged file, a hand edit) does not fail the claim of every lane: the entry says why, and keeps the text in
 * a stand-in request for its dead letter.
 */
export function readStoredRequest(text: string): Pick<OutboxEntry, 'request' | 'unreadable'> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return unreadableRequest(text, `not JSON (${(error as Error).message})`);
  }
  // The shape only (a full check costs on every claim): what the deliverer reads before sending.
  const shaped = isPlainObject(value) && isPlainObject(value.headers) && isPlainObject(value.body) && typeof value.body.type === 'string';
  return shaped ? { request: value as unknown as OpenPanelRequest } : unreadableRequest(text, 'not an OpenPanel request');
}

function unreadableRequest(text: string, why: string): Pick<OutboxEntry, 'request' | 'unreadable'> {
  return {
    request: { headers: {}, body: { type: 'unreadable', payload: { stored: text.slice(0, unreadableTextChars) } } } as unknown as OpenPanelRequest,
    unreadable: `the queued request could not be read back: ${why}`,
  };
}

export type Settlement =
  | { result: 'delivered'; attempts: number }
  | { result: 'retry'; at: number; attempts: number; firstAttemptAt: number; last: LastResponse }
  | { result: 'failed'; reason: string; attempts: number; firstAttemptAt: number; last: LastResponse }
  | { result: 'released' };

/** An event's final outcome, with the outbox id of the event it belongs to. */
export type FinalOutcome = EventOutcome & { eventId: string };

export const zOutboxStats = z.object({
  queuedEvents: z.int().nonnegative(),
  queuedRequests: z.int().nonnegative(),
  /** Enqueue time (ms) of the oldest queued event. */
  oldestQueuedAt: z.number().optional(),
  deadLetters: z.int().nonnegative(),
});
export type OutboxStats = z.infer<typeof zOutboxStats>;

/** Intake refused: the outbox holds `maxQueuedEvents` already. Serve answers 503 with Retry-After. */
export class QueueFullError extends Error {
  constructor(
    readonly queuedEvents: number,
    readonly maxQueuedEvents: number,
    readonly retryAfterSeconds = 5,
  ) {
    super(`queue full: ${queuedEvents} events queued (maxQueuedEvents ${maxQueuedEvents}); retry in ${retryAfterSeconds} s`);
    this.name = 'QueueFullError';
  }
}

export interface Outbox {
  /**
   * Set by a backend several processes share (Redis): others commit work and die without telling this one, so an
   * idle worker looks again at least this often. Unset: nothing changes the outbox but this process.
   */
  readonly pollMs?: number;
  commit(changes: ChangeSet, maxQueuedEvents?: number): Promise<CommitResult>;
  claim(limit: number, now: number, leaseMs: number): Promise<OutboxEntry[]>;
  /**
   * The keys among `keys` that a commit would drop: delivered within the dedupe window (superseded included) or
   * queued. A re-sent group call's upsert is one: its effect is in the group's state already.
   */
  taken(keys: readonly string[]): Promise<Set<string>>;
  /** Returns the final outcomes of the events whose last open request these settled. */
  settle(settlements: ReadonlyArray<{ entry: OutboxEntry; settlement: Settlement }>, now: number): Promise<FinalOutcome[]>;
  /** Makes every unleased lane waiting on a backoff ready at `now` (an outage is over); returns how many. */
  releaseBackoffs(now: number): Promise<number>;
  /** The earliest `readyAt` among unleased lanes, so a worker knows how long it may sleep; undefined when empty. */
  nextReadyAt(): Promise<number | undefined>;
  requeueDeadLetters(limit: number, now: number): Promise<number>;
  stats(): Promise<OutboxStats>;
  /** Ends this handle's use of the backend (the state's owner closes shared connections). */
  close(): Promise<void>;
}
