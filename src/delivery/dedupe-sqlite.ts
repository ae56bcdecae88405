import type { Statement } from 'better-sqlite3';
import type { StateDb } from '../state/sqlite.js';
import type { DedupeConfig, DedupeStore } from './dedupe.js';

/**
 * Delivered request keys in the state file, so dedupe survives restarts. Expired and surplus rows are pruned
 * every `pruneEvery` writes (about 1% of the bound), so the table may exceed dedupeMaxIds by that much.
 */
export class SqliteDedupeStore implements DedupeStore {
  private readonly ttlMs: number;
  private readonly pruneEvery: number;
  private writesSincePrune = 0;
  private readonly selectDelivered: Statement<[string, number], { key: string }>;
  private readonly upsert: Statement<[string, number]>;
  private readonly deleteExpired: Statement<[number]>;
  private readonly countRows: Statement<[], { n: number }>;
  private readonly deleteOldest: Statement<[number]>;

  constructor(
    db: StateDb,
    private readonly config: DedupeConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.ttlMs = config.dedupeTtlHours * 3_600_000;
    this.pruneEvery = Math.max(1, Math.min(1000, Math.floor(config.dedupeMaxIds / 100)));
    db.exec(`
      CREATE TABLE IF NOT EXISTS delivery_dedupe (key TEXT PRIMARY KEY, delivered_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS delivery_dedupe_at ON delivery_dedupe (delivered_at);
    `);
    this.selectDelivered = db.prepare<[string, number], { key: string }>(
      'SELECT key FROM delivery_dedupe WHERE key IN (SELECT value FROM json_each(?)) AND delivered_at > ?',
    );
    this.upsert = db.prepare<[string, number]>(
      'INSERT INTO delivery_dedupe (key, delivered_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET delivered_at = excluded.delivered_at',
    );
    this.deleteExpired = db.prepare<[number]>('DELETE FROM delivery_dedupe WHERE delivered_at <= ?');
    this.countRows = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM delivery_dedupe');
    this.deleteOldest = db.prepare<[number]>(
      'DELETE FROM delivery_dedupe WHERE key IN (SELECT key FROM delivery_dedupe ORDER BY delivered_at LIMIT ?)',
    );
    this.prune();
  }

  async delivered(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = this.selectDelivered.all(JSON.stringify(keys), this.now() - this.ttlMs);
    return new Set(rows.map((row) => row.key));
  }

  async markDelivered(key: string): Promise<void> {
    this.upsert.run(key, this.now());
    if (++this.writesSincePrune >= this.pruneEvery) this.prune();
  }

  private prune(): void {
    this.writesSincePrune = 0;
    this.deleteExpired.run(this.now() - this.ttlMs);
    const surplus = (this.countRows.get()?.n ?? 0) - this.config.dedupeMaxIds;
    if (surplus > 0) this.deleteOldest.run(surplus);
  }
}
