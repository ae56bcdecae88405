import type { Statement } from 'better-sqlite3';
import { guarded, type StateDb } from './db.js';
import { KeyedMembershipStore, type TouchedMap } from '../../membership/keyed-store.js';
import { decodeGroupState, encodeGroupState, type GroupState } from '../../membership/group-state.js';
import { decodeAssignments, encodeAssignments } from '../../membership/rules.js';
import type { GroupAssignment } from '../../membership/store.js';

export interface SqliteMembershipOptions {
  /** An entry not touched (read or written) for this long is forgotten; absent: kept until overwritten. */
  ttlMs?: number;
  /**
   * Keys kept at most per table, the least recently used going first: for a database in memory, where the
   * process's memory is the bound (`membershipMaxKeys`). Every read then records its touch.
   */
  maxKeys?: number;
  /** The database was opened for this store alone: close() closes it. */
  ownsDb?: boolean;
  now?: () => number;
}

/** Expired rows a write deletes on its way: every key is born from a write, so cleanup keeps pace with growth. */
const PRUNE_PER_WRITE = 16;
/** A read rewrites its row's touch time only when it is older than this, so steady reads do not turn into writes. */
const MAX_TOUCH_LAG_MS = 60_000;

/**
 * One `key -> text value` table with a last-touch time, expiring idle keys and, when bounded, evicting the least
 * recently touched beyond `maxKeys`. Reads write too (touch, expiry): both turn the file's failures (disk full)
 * into StateErrors.
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
  private readonly bound:
    { maxKeys: number; insert: Statement<[string, string, number]>; update: Statement<[string, number, string]>; evict: Statement<[number]> } | undefined;
  /** Rows in the table, kept exact when bounded. */
  private count = 0;

  constructor(
    db: StateDb,
    table: string,
    private readonly ttlMs: number | undefined,
    private readonly now: () => number,
    maxKeys?: number,
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
    this.touchLagMs = maxKeys !== undefined ? 0 : ttlMs === undefined ? MAX_TOUCH_LAG_MS : Math.min(MAX_TOUCH_LAG_MS, ttlMs / 100);
    this.bound =
      maxKeys === undefined
        ? undefined
        : {
            maxKeys,
            // Insert and update apart, so the count stays exact without counting the table.
            insert: db.prepare(`INSERT OR IGNORE INTO ${table} (key, value, touched_at) VALUES (?, ?, ?)`),
            update: db.prepare(`UPDATE ${table} SET value = ?, touched_at = ? WHERE key = ?`),
            evict: db.prepare(`DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} ORDER BY touched_at, rowid LIMIT ?)`),
          };
    if (this.bound) this.count = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
    this.get = guarded(db, (key) => this.read(key));
    this.set = guarded(db, (key, value) => this.store(key, value));
  }

  private read(key: string): string | undefined {
    const row = this.select.get(key);
    if (!row) return undefined;
    const now = this.now();
    if (this.ttlMs !== undefined && now - row.touched_at >= this.ttlMs) {
      this.count -= this.remove.run(key).changes;
      return undefined;
    }
    if (now - row.touched_at > this.touchLagMs) this.touch.run(now, key);
    return row.value;
  }

  private store(key: string, value: string): void {
    const now = this.now();
    if (this.bound === undefined) this.write.run(key, value, now);
    else if (this.bound.insert.run(key, value, now).changes === 0) this.bound.update.run(value, now, key);
    else this.count++;
    if (this.ttlMs !== undefined) this.count -= this.prune.run(now - this.ttlMs, PRUNE_PER_WRITE).changes;
    if (this.bound !== undefined && this.count > this.bound.maxKeys) this.count -= this.bound.evict.run(this.count - this.bound.maxKeys).changes;
  }
}

/**
 * Membership in the state database: state.sqlite under --data-dir, or a database in memory (the library
 * without a dataDir, dry runs), bounded by `maxKeys`. Unless `ownsDb`, the database belongs to whoever opened
 * it (other stores share it), so close() only ends this store's use of it.
 */
export class SqliteMembershipStore extends KeyedMembershipStore {
  private readonly membership: TouchedTable;
  private readonly groups: TouchedTable;
  private readonly inTransaction: (work: () => unknown) => unknown;

  constructor(
    private readonly db: StateDb,
    private readonly options: SqliteMembershipOptions = {},
  ) {
    super();
    if (options.ttlMs !== undefined && !(options.ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    if (options.maxKeys !== undefined && !(Number.isInteger(options.maxKeys) && options.maxKeys > 0))
      throw new RangeError('maxKeys must be a positive integer');
    const now = options.now ?? Date.now;
    this.membership = new TouchedTable(db, 'membership_assignments', options.ttlMs, now, options.maxKeys);
    // Group states replace the upsert fingerprints an earlier version kept.
    db.exec('DROP TABLE IF EXISTS membership_group_upserts');
    this.groups = new TouchedTable(db, 'membership_groups', options.ttlMs, now, options.maxKeys);
    // Another process sharing the file cannot interleave with a read-merge-write. IMMEDIATE takes the write lock
    // up front, waiting out the busy timeout: a deferred transaction upgrading from read to write after another
    // process wrote fails at once with SQLITE_BUSY ("database is locked"), whatever the timeout.
    this.inTransaction = guarded(db, db.transaction((work: () => unknown) => work()).immediate);
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.options.ownsDb) this.db.close();
  }

  protected read(key: string): GroupAssignment[] {
    const stored = this.membership.get(key);
    return stored === undefined ? [] : decodeAssignments(stored);
  }

  protected write(key: string, assignments: readonly GroupAssignment[]): void {
    this.membership.set(key, encodeAssignments(assignments));
  }

  protected readGroup(groupId: string): GroupState | undefined {
    const stored = this.groups.get(groupId);
    return stored === undefined ? undefined : decodeGroupState(stored);
  }

  protected writeGroup(state: GroupState): void {
    this.groups.set(state.groupId, encodeGroupState(state));
  }

  protected atomically<T>(work: () => T): T {
    return this.inTransaction(work) as T;
  }
}
