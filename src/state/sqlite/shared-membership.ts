import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteMembershipStore } from './membership.js';

/**
 * A membership file under `dir` shared by every process on the host (RudderStack's transformer workers): WAL
 * with a busy timeout, never an exclusive lock (unlike openStateDb, whose file one process owns). Only
 * membership: whoever calls the transformer delivers, so no outbox, dedupe or dead letters are kept here.
 */
export function openSharedSqliteMembership(dir: string, ttlMs: number): SqliteMembershipStore {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'membership.sqlite'), { timeout: 5_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return new SqliteMembershipStore(db, { ttlMs, ownsDb: true });
}
