/** One group of a user's membership, and the event time (ms since epoch) it was assigned at. */
export interface GroupAssignment {
  groupId: string;
  assignedAt: number;
}

/**
 * Server-side twin of the OpenPanel SDK instance's `groups`, for every user at once (DESIGN.md section 4).
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
  /** Fingerprint of the last group upsert emitted for this group, so unchanged upserts are not sent again. */
  lastUpsert(groupKey: string): Promise<string | undefined>;
  rememberUpsert(groupKey: string, fingerprint: string): Promise<void>;
  /** Applies a batch's changes at once (atomically for the backend); the outbox commit calls it with its events. */
  apply(changes: MembershipChanges): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a batch of transforms changed, as a set that can be applied in one step and merged by several writers:
 * merges are unions keeping each group's earliest assignedAt (commutative), fingerprints are last-writer-wins.
 */
export interface MembershipChanges {
  /** key -> assignments to merge into it. */
  merges: Array<[key: string, assignments: GroupAssignment[]]>;
  /** groupId -> fingerprint of the last upsert emitted for it. */
  upserts: Array<[groupId: string, fingerprint: string]>;
}
