import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type StateDb = Database.Database;

/**
 * The embedded state file under --data-dir (membership, delivered ids, dead letters). WAL so a reader
 * (`replay` listing) never blocks the writer; each store creates its own tables on construction.
 */
export function openStateDb(dataDir: string): StateDb {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'state.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
