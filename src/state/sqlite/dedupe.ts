import type { Statement } from 'better-sqlite3';
import { dedupeCapWarning, type DedupeConfig, type DedupeStore } from '../../delivery/dedupe.js';
import type { StateDb } from './db.js';
import { fingerprint, FingerprintIndex } from './fingerprint-index.js';

/** Writes between two sweeps of expired keys. */
const PRUNE_EVERY = 1000;
/** Oldest rows looked at by one delete of a sweep. */
const PRUNE_BATCH = 1000;

interface KeyRow {
  key: string;
  delivered_at: number;
}

/**
 * Delivered request keys in the state file, so dedupe survives restarts. The table is written in delivery order
 * (rows appended, expired from the oldest) and found through an in-memory index of fingerprints, rebuilt at open:
 * a B-tree of the keys themselves put every new key on a random page (docs/state-backends.md). On disk keys expire
 * by time only (`dedupeTtlHours`): beyond `dedupeMaxIds` it warns, once, and keeps them, since dropping a young key
 * is what let a re-sent backfill through twice. In a database in memory (`bounded`) the process's memory is the
 * bound: beyond `dedupeMaxIds` the oldest keys go, with a warning the first time.
 */
export class SqliteDedupeStore implements DedupeStore {
  private readonly ttlMs: number;
  private readonly index = new FingerprintIndex();
  private rows = 0;
  /**
   * Ids are given here, in order, so the index can keep them as offsets. Only a rolled-back transaction's are given
   * again, once reload() has read the index again without them.
   */
  private nextId = 1;
  private writesSincePrune = 0;
  private warned = false;
  private readonly sql: {
    row: Statement<[number], KeyRow>;
    insert: Statement<[number, string, number, number]>;
    remove: Statement<[number]>;
    all: Statement<[], [number, number]>;
    ends: Statement<[], { first: number; next: number }>;
    head: Statement<[], { at: number }>;
    dropExpired: Statement<[number, number]>;
    dropOldest: Statement<[number]>;
  };
  private readonly markTx: (key: string) => void;

  constructor(
    db: StateDb,
    private readonly config: DedupeConfig,
    private readonly now: () => number = Date.now,
    private readonly bounded = false,
  ) {
    this.ttlMs = config.dedupeTtlHours * 3_600_000;
    db.exec('CREATE TABLE IF NOT EXISTS delivered_keys (id INTEGER PRIMARY KEY, key TEXT NOT NULL, fp INTEGER NOT NULL, delivered_at INTEGER NOT NULL)');
    migrateKeyTable(db);
    const oldest = 'SELECT id FROM delivered_keys ORDER BY id LIMIT ?';
    this.sql = {
      row: db.prepare('SELECT key, delivered_at FROM delivered_keys WHERE id = ?'),
      insert: db.prepare('INSERT INTO delivered_keys (id, key, fp, delivered_at) VALUES (?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM delivered_keys WHERE id = ?'),
      all: db.prepare<[], [number, number]>('SELECT id, fp FROM delivered_keys').raw(),
      // Two subqueries: SQLite reads min or max off the end of the table only when it is a query's one aggregate.
      ends: db.prepare('SELECT coalesce((SELECT min(id) FROM delivered_keys), 1) AS first, coalesce((SELECT max(id) FROM delivered_keys), 0) + 1 AS next'),
      head: db.prepare('SELECT delivered_at AS at FROM delivered_keys ORDER BY id LIMIT 1'),
      // A clock set back can leave a young row before expired ones: those wait for it (has() checks the time).
      dropExpired: db.prepare(`DELETE FROM delivered_keys WHERE id IN (${oldest}) AND delivered_at <= ?`),
      dropOldest: db.prepare(`DELETE FROM delivered_keys WHERE id IN (${oldest})`),
    };
    this.markTx = db.transaction((key: string) => this.mark(key));
    this.reload();
    this.prune();
  }

  /** Synchronous, for the outbox's transactions. */
  has(key: string): boolean {
    const found = this.find(key, fingerprint(key));
    return found !== undefined && found.at > this.now() - this.ttlMs;
  }

  /** Synchronous, for the outbox's transactions: the key's row moves to the end, with the time of now. */
  mark(key: string): void {
    const fp = fingerprint(key);
    const found = this.find(key, fp);
    const id = this.nextId++;
    this.sql.insert.run(id, key, fp, this.now());
    if (found !== undefined) {
      this.sql.remove.run(found.id);
      if (!this.index.replace(found.slot, id)) this.reload();
    } else {
      this.rows++;
      if (!this.index.add(fp, id)) this.rehash(fp, id);
      if (this.rows > this.config.dedupeMaxIds) this.overCap();
    }
    if (++this.writesSincePrune >= PRUNE_EVERY) this.prune();
  }

  async delivered(keys: string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.has(key)));
  }

  async markDelivered(key: string): Promise<void> {
    this.markTx(key);
  }

  /**
   * The index, the count and the next id read again from the file: at open, after a transaction that wrote keys
   * rolled back, and when a moved key's new id no longer fits the index. Sized by the table's ends (no count: a
   * count reads every row once more). Offsets from the oldest row fit 32 bits while fewer than 4,294,967,296 keys
   * are marked within one dedupe window.
   */
  reload(): void {
    const { first, next } = this.sql.ends.get()!;
    this.nextId = next;
    this.index.reset(next - first, first);
    let rows = 0;
    for (const [id, fp] of this.sql.all.iterate()) {
      this.index.add(fp, id);
      rows++;
    }
    this.rows = rows;
  }

  private find(key: string, fp: number): { slot: number; id: number; at: number } | undefined {
    let at = 0;
    let id = 0;
    const slot = this.index.find(fp, (candidate) => {
      const row = this.sql.row.get(candidate);
      if (row?.key !== key) return false;
      id = candidate;
      at = row.delivered_at;
      return true;
    });
    return slot < 0 ? undefined : { slot, id, at };
  }

  /** A full index made again in memory, without the rows expired or dropped since (all before the oldest row). */
  private rehash(fp: number, id: number): void {
    const { first } = this.sql.ends.get()!;
    this.index.rehash(this.nextId - first, first);
    this.index.add(fp, id);
  }

  private overCap(): void {
    if (!this.warned) {
      this.warned = true;
      const where = this.bounded ? '; in memory the oldest are dropped: give a dataDir to keep them on disk' : '';
      process.emitWarning(`${dedupeCapWarning(this.rows, this.config.dedupeMaxIds)}${where}`);
    }
    if (this.bounded) this.rows -= this.sql.dropOldest.run(this.rows - this.config.dedupeMaxIds).changes;
  }

  private prune(): void {
    this.writesSincePrune = 0;
    const cutoff = this.now() - this.ttlMs;
    while ((this.sql.head.get()?.at ?? Infinity) <= cutoff) this.rows -= this.sql.dropExpired.run(PRUNE_BATCH, cutoff).changes;
    if (this.rows > this.config.dedupeMaxIds && !this.warned) this.overCap();
  }
}

/** A state file written before the keys were appended (a table keyed by them): its keys move, oldest first. */
function migrateKeyTable(db: StateDb): void {
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'delivery_dedupe'").get() === undefined) return;
  db.function('op_fingerprint', { deterministic: true }, (key) => fingerprint(String(key)));
  db.transaction(() => {
    db.exec(`INSERT INTO delivered_keys (key, fp, delivered_at)
             SELECT key, op_fingerprint(key), delivered_at FROM delivery_dedupe ORDER BY delivered_at`);
    db.exec('DROP TABLE delivery_dedupe');
  })();
}
