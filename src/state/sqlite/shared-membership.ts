import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DAY_MS, type StateConfig } from '../state.js';
import { openSharedDb } from './engine.js';
import { SqliteMembershipStore } from './membership.js';

/**
 * One scope's membership in a file every process on the host opens at once (RudderStack transformer workers):
 * WAL with a busy timeout, never an exclusive lock (unlike the `--data-dir` state of `send`/`serve`, which one
 * process owns). No outbox, dedupe or dead letters: the host delivers. The store closes the file with it.
 */
export function openSharedMembership(dir: string, scope: string, config: StateConfig, now?: () => number): SqliteMembershipStore {
  const safeScope = /^[A-Za-z0-9_-]{1,64}$/.test(scope) ? scope : createHash('sha256').update(scope).digest('hex').slice(0, 32);
  const folder = join(dir, safeScope);
  mkdirSync(folder, { recursive: true });
  const db = openSharedDb(join(folder, 'membership.sqlite'), 5_000);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return new SqliteMembershipStore(db, { ttlMs: config.membershipTtlDays * DAY_MS, now, closesDb: true });
  } catch (error) {
    db.close();
    throw error;
  }
}
