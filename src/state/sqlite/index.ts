import { DAY_MS, type State, type StateConfig } from '../state.js';
import { openStateDb, type OpenStateOptions } from './db.js';
import { SqliteDeadLetterStore } from './dead-letters.js';
import { SqliteDedupeStore } from './dedupe.js';
import { SqliteMembershipStore } from './membership.js';
import { SqliteOutbox } from './outbox.js';

/** The embedded state: one SQLite file under `dataDir`, held by this process until close. */
export function openSqliteState(dataDir: string, config: StateConfig, options: OpenStateOptions & { now?: () => number } = {}): State {
  const db = openStateDb(dataDir, options);
  const membership = new SqliteMembershipStore(db, { ttlMs: config.membershipTtlDays * DAY_MS, now: options.now });
  const dedupe = new SqliteDedupeStore(db, config, options.now);
  const deadLetters = new SqliteDeadLetterStore(db);
  const outbox = new SqliteOutbox(db, membership, dedupe, deadLetters);
  return {
    membership,
    dedupe,
    deadLetters,
    outbox,
    async close() {
      await membership.close();
      db.close();
    },
  };
}
