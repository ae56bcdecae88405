import type { Statement } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { StateDb } from '../state/sqlite.js';
import { zDeadLetter, type DeadLetter, type DeadLetterStore, type NewDeadLetter } from './dead-letters.js';

/** Dead letters in the state file, one JSON record a row; `seq` keeps them in the order they were added. */
export class SqliteDeadLetterStore implements DeadLetterStore {
  private readonly insert: Statement<[string, string]>;
  private readonly selectAll: Statement<[], { record: string }>;
  private readonly removeMany: (ids: string[]) => number;
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
    this.selectAll = db.prepare('SELECT record FROM delivery_dead_letters ORDER BY seq');
    this.countRows = db.prepare('SELECT count(*) AS n FROM delivery_dead_letters');
    const removeOne = db.prepare<[string]>('DELETE FROM delivery_dead_letters WHERE id = ?');
    this.removeMany = db.transaction((ids: string[]) => ids.reduce((n, id) => n + removeOne.run(id).changes, 0));
  }

  async add(record: NewDeadLetter): Promise<string> {
    const id = randomUUID();
    this.insert.run(id, JSON.stringify({ ...record, id }));
    return id;
  }

  async list(): Promise<DeadLetter[]> {
    return this.selectAll.all().map((row) => zDeadLetter.parse(JSON.parse(row.record)));
  }

  async remove(ids: string[]): Promise<number> {
    return this.removeMany(ids);
  }

  async count(): Promise<number> {
    return this.countRows.get()?.n ?? 0;
  }
}
