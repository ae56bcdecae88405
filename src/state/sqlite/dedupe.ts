import type { Statement } from 'better-sqlite3';
import { dedupeCapWarning, type DedupeConfig, type DedupeStore } from '../../delivery/dedupe.js';
import type { StateDb } from './db.js';

/** Writes between two sweeps of expired keys. */
const PRUNE_EVERY = 1000;

/**
 * Delivered request keys in the state file, so dedupe survives restarts. On disk keys expire by time only
 * (`dedupeTtlHours`): beyond `dedupeMaxIds` it warns, once, and keeps them, since dropping a young key is what
 * let a re-sent backfill through twice. In a database in memory (`bounded`) the process's memory is the bound:
 * beyond `dedupeMaxIds` the oldest keys go, with a warning the first time.
 */
export class SqliteDedupeStore implements DedupeStore {
  private readonly ttlMs: number;
  private writesSincePrune = 0;
  private warned = false;
  /** Rows written since the last count, an upper bound on growth: the table is counted only when it may exceed the cap. */
  private approxCount = 0;
  private readonly selectOne: Statement<[string, number], { n: number }>;
  private readonly upsert: Statement<[string, number]>;
  private readonly deleteExpired: Statement<[number]>;
  private readonly countRows: Statement<[], { n: number }>;
  /** Bounded: statements that keep `approxCount` exact, and drop the oldest keys beyond the cap. */
  private readonly bound: { insert: Statement<[string, number]>; update: Statement<[number, string]>; dropOldest: Statement<[number]> } | undefined;

  constructor(
    db: StateDb,
    private readonly config: DedupeConfig,
    private readonly now: () => number = Date.now,
    bounded = false,
  ) {
    this.ttlMs = config.dedupeTtlHours * 3_600_000;
    db.exec(`
      CREATE TABLE IF NOT EXISTS delivery_dedupe (key TEXT PRIMARY KEY, delivered_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS delivery_dedupe_at ON delivery_dedupe (delivered_at);
    `);
    this.selectOne = db.prepare('SELECT 1 AS n FROM delivery_dedupe WHERE key = ? AND delivered_at > ?');
    this.upsert = db.prepare(
      'INSERT INTO delivery_dedupe (key, delivered_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET delivered_at = excluded.delivered_at',
    );
    this.deleteExpired = db.prepare('DELETE FROM delivery_dedupe WHERE delivered_at <= ?');
    this.countRows = db.prepare('SELECT count(*) AS n FROM delivery_dedupe');
    this.bound = bounded
      ? {
          insert: db.prepare('INSERT OR IGNORE INTO delivery_dedupe (key, delivered_at) VALUES (?, ?)'),
          update: db.prepare('UPDATE delivery_dedupe SET delivered_at = ? WHERE key = ?'),
          dropOldest: db.prepare('DELETE FROM delivery_dedupe WHERE key IN (SELECT key FROM delivery_dedupe ORDER BY delivered_at LIMIT ?)'),
        }
      : undefined;
    this.approxCount = this.countRows.get()?.n ?? 0;
    this.prune();
  }

  /** Synchronous, for the outbox's transactions. */
  has(key: string): boolean {
    return this.selectOne.get(key, this.now() - this.ttlMs) !== undefined;
  }

  /** Synchronous, for the outbox's transactions. */
  mark(key: string): void {
    const now = this.now();
    if (this.bound === undefined) {
      this.upsert.run(key, now);
      this.approxCount++;
    } else if (this.bound.insert.run(key, now).changes === 0) this.bound.update.run(now, key);
    else if (++this.approxCount > this.config.dedupeMaxIds) this.dropOldest();
    if (++this.writesSincePrune >= PRUNE_EVERY) this.prune();
  }

  async delivered(keys: string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.has(key)));
  }

  async markDelivered(key: string): Promise<void> {
    this.mark(key);
  }

  private dropOldest(): void {
    if (!this.warned) {
      this.warned = true;
      process.emitWarning(
        `${dedupeCapWarning(this.approxCount, this.config.dedupeMaxIds)}; in memory the oldest are dropped: give a dataDir to keep them on disk`,
      );
    }
    this.approxCount -= this.bound!.dropOldest.run(this.approxCount - this.config.dedupeMaxIds).changes;
  }

  private prune(): void {
    this.writesSincePrune = 0;
    const expired = this.deleteExpired.run(this.now() - this.ttlMs).changes;
    if (this.bound !== undefined) this.approxCount -= expired;
    if (this.bound !== undefined || this.warned || this.approxCount <= this.config.dedupeMaxIds) return;
    const count = (this.approxCount = this.countRows.get()?.n ?? 0);
    if (count > this.config.dedupeMaxIds) {
      this.warned = true;
      process.emitWarning(dedupeCapWarning(count, this.config.dedupeMaxIds));
    }
  }
}
