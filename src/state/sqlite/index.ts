import { DAY_MS, type State, type StateConfig } from '../state.js';
import { openMemoryDb, openStateDb, type OpenStateOptions } from './db.js';
import { SqliteDeadLetterStore } from './dead-letters.js';
import { SqliteDedupeStore } from './dedupe.js';
import { SqliteMembershipStore } from './membership.js';
import { SqliteOutbox } from './outbox.js';

/**
 * The embedded state: one SQLite file under `dataDir`, held by this process until close. Without a dataDir, the
 * same database in this process's memory, lost on exit and bounded, since memory is then the limit: membership
 * keeps `membershipMaxKeys` keys (least recently used go first), dedupe `dedupeMaxIds` keys (oldest go first).
 */
export function openSqliteState(dataDir: string | undefined, config: StateConfig, options: OpenStateOptions & { now?: () => number } = {}): State {
  const inMemory = dataDir === undefined;
  const db = inMemory ? openMemoryDb() : openStateDb(dataDir, options);
  const membership = new SqliteMembershipStore(db, {
    ttlMs: config.membershipTtlDays * DAY_MS,
    now: options.now,
    maxKeys: inMemory ? config.membershipMaxKeys : undefined,
  });
  const dedupe = new SqliteDedupeStore(db, config, options.now, inMemory);
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
