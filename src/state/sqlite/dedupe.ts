import type { Statement } from 'better-sqlite3';
import { dedupeCapWarning, type DedupeConfig, type DedupeStore } from '../../delivery/dedupe.js';
import type { StateDb } from './db.js';

/** Writes between two sweeps of expired keys. */
const PRUNE_EVERY = 1000;

/**
 * Delivered request keys in the state file, so dedupe survives restarts. Keys expire by time only
 * (`dedupeTtlHours`): beyond `dedupeMaxIds` it warns, once, and keeps them, since dropping a young key is what
 * let a re-sent backfill through twice.
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

  constructor(
    db: StateDb,
    private readonly config: DedupeConfig,
    private readonly now: () => number = Date.now,
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
    this.approxCount = this.countRows.get()?.n ?? 0;
    this.prune();
  }

  /** Synchronous, for the outbox's transactions. */
  has(key: string): boolean {
    return this.selectOne.get(key, this.now() - this.ttlMs) !== undefined;
  }

  /** Synchronous, for the outbox's transactions. */
  mark(key: string): void {
    this.upsert.run(key, this.now());
    this.approxCount++;
    if (++this.writesSincePrune >= PRUNE_EVERY) this.prune();
  }

  async delivered(keys: string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.has(key)));
  }

  async markDelivered(key: string): Promise<void> {
    this.mark(key);
  }

  private prune(): void {
    this.writesSincePrune = 0;
    this.deleteExpired.run(this.now() - this.ttlMs);
    if (this.warned || this.approxCount <= this.config.dedupeMaxIds) return;
    const count = (this.approxCount = this.countRows.get()?.n ?? 0);
    if (count > this.config.dedupeMaxIds) {
      this.warned = true;
      process.emitWarning(dedupeCapWarning(count, this.config.dedupeMaxIds));
    }
  }
}
