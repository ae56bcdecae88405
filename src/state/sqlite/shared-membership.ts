import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSharedDb } from './engine.js';
import { SqliteMembershipStore } from './membership.js';

/**
 * A membership file under `dir` shared by every process on the host (RudderStack's transformer workers): WAL
 * with a busy timeout, never an exclusive lock (unlike openStateDb, whose file one process owns). Only
 * membership: whoever calls the transformer delivers, so no outbox, dedupe or dead letters are kept here.
 * Opened with better-sqlite3, or node:sqlite where its addon is not built (see engine.ts).
 */
export function openSharedSqliteMembership(dir: string, ttlMs: number): SqliteMembershipStore {
  mkdirSync(dir, { recursive: true });
  const db = openSharedDb(join(dir, 'membership.sqlite'), 5_000);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return new SqliteMembershipStore(db, { ttlMs, ownsDb: true });
  } catch (error) {
    db.close();
    throw error;
  }
}
