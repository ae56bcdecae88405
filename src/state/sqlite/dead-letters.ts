import type { Statement } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { zDeadLetter, type DeadLetter, type DeadLetterStore, type NewDeadLetter } from '../../delivery/dead-letters.js';
import type { StateDb } from './db.js';

/** Dead letters in the state file, one JSON record a row; `seq` keeps them in the order they were added. */
export class SqliteDeadLetterStore implements DeadLetterStore {
  private readonly insert: Statement<[string, string]>;
  private readonly selectPage: Statement<[string | null, number], { record: string }>;
  private readonly removeOne: Statement<[string]>;
  private readonly selectOne: Statement<[string], { record: string }>;
  private readonly countRows: Statement<[], { n: number }>;

  constructor(db: StateDb) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS delivery_dead_letters (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        record TEXT NOT NULL
      );
    `);
    this.insert = db.prepare('INSERT INTO delivery_dead_letters (id, record) VALUES (?, ?)');
    this.selectPage = db.prepare(
      'SELECT record FROM delivery_dead_letters WHERE seq > coalesce((SELECT seq FROM delivery_dead_letters WHERE id = ?), 0) ORDER BY seq LIMIT ?',
    );
    this.selectOne = db.prepare('SELECT record FROM delivery_dead_letters WHERE id = ?');
    this.countRows = db.prepare('SELECT count(*) AS n FROM delivery_dead_letters');
    this.removeOne = db.prepare<[string]>('DELETE FROM delivery_dead_letters WHERE id = ?');
  }

  /** Synchronous, for the outbox's transactions. */
  addNow(record: NewDeadLetter): string {
    const id = randomUUID();
    this.insert.run(id, JSON.stringify({ ...record, id }));
    return id;
  }

  async add(record: NewDeadLetter): Promise<string> {
    return this.addNow(record);
  }

  /** Synchronous, for the outbox's transactions. */
  listNow(limit = -1, afterId?: string): DeadLetter[] {
    return this.selectPage.all(afterId ?? null, limit).map((row) => zDeadLetter.parse(JSON.parse(row.record)));
  }

  async list({ limit, afterId }: { limit?: number; afterId?: string } = {}): Promise<DeadLetter[]> {
    return this.listNow(limit, afterId);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const row = this.selectOne.get(id);
    return row === undefined ? undefined : zDeadLetter.parse(JSON.parse(row.record));
  }

  /** Synchronous, for the outbox's transactions (each statement is atomic; callers batch in their own). */
  removeNow(ids: string[]): number {
    return ids.reduce((n, id) => n + this.removeOne.run(id).changes, 0);
  }

  async remove(ids: string[]): Promise<number> {
    return this.removeNow(ids);
  }

  async count(): Promise<number> {
    return this.countRows.get()?.n ?? 0;
  }
}
