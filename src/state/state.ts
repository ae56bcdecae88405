import type { DestinationConfig } from '../config/schema.js';
import type { DeadLetterStore } from '../delivery/dead-letters.js';
import type { DedupeStore } from '../delivery/dedupe.js';
import type { Outbox } from '../delivery/outbox.js';
import type { MembershipStore } from '../membership/store.js';

/** One backend's stores, sharing one atomic unit (a SQLite database, in a file or in memory; a Redis). */
export interface State {
  membership: MembershipStore;
  dedupe: DedupeStore;
  deadLetters: DeadLetterStore;
  outbox: Outbox;
  close(): Promise<void>;
}

export type StateConfig = Pick<DestinationConfig, 'membershipMaxKeys' | 'membershipTtlDays' | 'dedupeTtlHours' | 'dedupeMaxIds'>;

export const DAY_MS = 86_400_000;
