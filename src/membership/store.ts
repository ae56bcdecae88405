import type { GroupPayload } from '../openpanel/contract.js';
import type { GroupState } from './group-state.js';

export type { GroupState } from './group-state.js';

/** One group of a user's membership, and the event time (ms since epoch) it was assigned at. */
export interface GroupAssignment {
  groupId: string;
  assignedAt: number;
}

/**
 * Server-side twin of the OpenPanel SDK instance's `groups`, for every user at once (docs/mapping.md "Group membership").
 * Keys are userId, else anonymousId. Async so SQLite and Redis backends plug in behind the same contract.
 */
export interface MembershipStore {
  /** The user's assignments in assignment order (earliest event time first, ties in arrival order); read-only. */
  get(key: string): Promise<readonly Readonly<GroupAssignment>[]>;
  /** Several keys' assignments in one round trip: a remote store (Redis) offers it so a batch reads its users at once. */
  getMany?(keys: readonly string[]): Promise<Array<readonly Readonly<GroupAssignment>[]>>;
  /** Records groups assigned at event time `at`; returns the groupIds the key did not have before. */
  assign(key: string, groupIds: string[], at: number): Promise<string[]>;
  /** Copies `from`'s membership into `to` (identify/alias linking); returns the groupIds `to` did not have before. */
  link(from: string, to: string): Promise<string[]>;
  /** The group as OpenPanel holds it after our upserts (name, type, merged properties), when known. */
  group(groupId: string): Promise<GroupState | undefined>;
  /**
   * Folds one upsert into its group's state (time `now`, ms). The outbox does this itself for each group upsert
   * it queues, in the same commit; a store written without an outbox (RudderStack's transformer) is told here.
   */
  upsertGroup(payload: GroupPayload, now: number): Promise<GroupState>;
  /** Applies a batch's membership merges at once (atomically for the backend). */
  apply(changes: MembershipChanges): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a batch of transforms changed, as a set that can be applied in one step and merged by several writers:
 * merges are unions keeping each group's earliest assignedAt (commutative). Group states are not in it: they
 * follow the group upserts an outbox commit queues (a re-sent upsert already delivered changes nothing).
 */
export interface MembershipChanges {
  /** key -> assignments to merge into it. */
  merges: Array<[key: string, assignments: GroupAssignment[]]>;
}
