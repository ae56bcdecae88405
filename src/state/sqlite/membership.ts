import { guarded, type StateDb } from './db.js';
import { KeyedMembershipStore, type TouchedMap } from '../../membership/keyed-store.js';
import { decodeAssignments, encodeAssignments } from '../../membership/rules.js';
import type { GroupAssignment } from '../../membership/store.js';

export interface SqliteMembershipOptions {
  /** An entry not touched (read or written) for this long is forgotten; absent: kept until overwritten. */
  ttlMs?: number;
  now?: () => number;
}

/** Expired rows a write deletes on its way: every key is born from a write, so cleanup keeps pace with growth. */
const PRUNE_PER_WRITE = 16;
/** A read rewrites its row's touch time only when it is older than this, so steady reads do not turn into writes. */
const MAX_TOUCH_LAG_MS = 60_000;

/**
 * One `key -> text value` table with a last-touch time: the SQLite counterpart of the memory store's LRU map.
 * Reads write too (touch, expiry): both turn the file's failures (disk full) into StateErrors.
 */
class TouchedTable implements TouchedMap<string> {
  readonly get: (key: string) => string | undefined;
  readonly set: (key: string, value: string) => void;
  private readonly select;
  private readonly write;
  private readonly touch;
  private readonly remove;
  private readonly prune;
  private readonly touchLagMs: number;

  constructor(
    db: StateDb,
    table: string,
    private readonly ttlMs: number | undefined,
    private readonly now: () => number,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value TEXT NOT NULL, touched_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS ${table}_touched_at ON ${table} (touched_at);`);
    this.select = db.prepare<[string], { value: string; touched_at: number }>(`SELECT value, touched_at FROM ${table} WHERE key = ?`);
    this.write = db.prepare<[string, string, number]>(
      `INSERT INTO ${table} (key, value, touched_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, touched_at = excluded.touched_at`,
    );
    this.touch = db.prepare<[number, string]>(`UPDATE ${table} SET touched_at = ? WHERE key = ?`);
    this.remove = db.prepare<[string]>(`DELETE FROM ${table} WHERE key = ?`);
    this.prune = db.prepare<[number, number]>(`DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} WHERE touched_at <= ? LIMIT ?)`);
    this.touchLagMs = ttlMs === undefined ? MAX_TOUCH_LAG_MS : Math.min(MAX_TOUCH_LAG_MS, ttlMs / 100);
    this.get = guarded(db, (key) => this.read(key));
    this.set = guarded(db, (key, value) => this.store(key, value));
  }

  private read(key: string): string | undefined {
    const row = this.select.get(key);
    if (!row) return undefined;
    const now = this.now();
    if (this.ttlMs !== undefined && now - row.touched_at >= this.ttlMs) {
      this.remove.run(key);
      return undefined;
    }
    if (now - row.touched_at > this.touchLagMs) this.touch.run(now, key);
    return row.value;
  }

  private store(key: string, value: string): void {
    const now = this.now();
    this.write.run(key, value, now);
    if (this.ttlMs !== undefined) this.prune.run(now - this.ttlMs, PRUNE_PER_WRITE);
  }
}

/**
 * The embedded durable store (state.sqlite under --data-dir). The database belongs to whoever opened it
 * (other stores share it), so close() only ends this store's use of it.
 */
export class SqliteMembershipStore extends KeyedMembershipStore {
  private readonly membership: TouchedTable;
  protected readonly groups: TouchedTable;
  private readonly inTransaction: (work: () => unknown) => unknown;

  constructor(db: StateDb, options: SqliteMembershipOptions = {}) {
    super();
    if (options.ttlMs !== undefined && !(options.ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    const now = options.now ?? Date.now;
    this.membership = new TouchedTable(db, 'membership_assignments', options.ttlMs, now);
    // Group states replace the upsert fingerprints an earlier version kept.
    db.exec('DROP TABLE IF EXISTS membership_group_upserts');
    this.groups = new TouchedTable(db, 'membership_groups', options.ttlMs, now);
    // Another process sharing the file cannot interleave with a read-merge-write. IMMEDIATE takes the write lock
    // up front, waiting out the busy timeout: a deferred transaction upgrading from read to write after another
    // process wrote fails at once with SQLITE_BUSY ("database is locked"), whatever the timeout.
    this.inTransaction = guarded(db, db.transaction((work: () => unknown) => work()).immediate);
  }

  protected read(key: string): GroupAssignment[] {
    const stored = this.membership.get(key);
    return stored === undefined ? [] : decodeAssignments(stored);
  }

  protected write(key: string, assignments: readonly GroupAssignment[]): void {
    this.membership.set(key, encodeAssignments(assignments));
  }

  protected atomically<T>(work: () => T): T {
    return this.inTransaction(work) as T;
  }
}
