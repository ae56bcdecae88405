import Database from 'better-sqlite3';
import { join } from 'node:path';

/** outbox_events as every earlier version created it: the migration tests build their old state files on it. */
const OLD_OUTBOX_EVENTS = `CREATE TABLE outbox_events (id INTEGER PRIMARY KEY, idx INTEGER NOT NULL, message_id TEXT NOT NULL, user_key TEXT,
  event TEXT NOT NULL, total_requests INTEGER NOT NULL, open_requests INTEGER NOT NULL, attempts INTEGER NOT NULL, first_attempt_at INTEGER,
  failed TEXT NOT NULL DEFAULT '[]', last_response TEXT NOT NULL DEFAULT '{}', enqueued_at INTEGER NOT NULL);`;

/** Writes state.sqlite under `dir` as an earlier version left it: that version's outbox_events plus `sql` (its other tables and rows). */
export function writeOldStateFile(dir: string, sql: string): void {
  const old = new Database(join(dir, 'state.sqlite'));
  old.exec(`${OLD_OUTBOX_EVENTS}\n${sql}`);
  old.close();
}
