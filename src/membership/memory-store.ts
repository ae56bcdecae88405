import { KeyedMembershipStore, type TouchedMap } from './keyed-store.js';
import type { GroupState } from './group-state.js';
import type { GroupAssignment } from './store.js';

export interface MemoryMembershipOptions {
  /** Keys kept at most per table, the least recently touched (read or written) going first. */
  maxKeys: number;
  /** A key not touched for this long is forgotten. */
  ttlMs: number;
  now?: () => number;
}

interface Entry<V> {
  readonly key: string;
  value: V;
  touchedAt: number;
  older: Entry<V> | undefined;
  newer: Entry<V> | undefined;
}

/**
 * A Map of entries also chained in touch order, least recently touched first: expiry and eviction look only at
 * the front. A touch moves its entry to the back of the chain; re-inserting it in the Map instead (delete, set)
 * cost ~5% of a whole `transform`, which touches a user's entry for nearly every event.
 */
class TouchedMemoryMap<V> implements TouchedMap<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private oldest: Entry<V> | undefined;
  private newest: Entry<V> | undefined;

  constructor(
    private readonly maxKeys: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.now();
    if (now - entry.touchedAt >= this.ttlMs) {
      this.remove(entry);
      return undefined;
    }
    entry.touchedAt = now;
    this.moveToNewest(entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry === undefined) {
      const added: Entry<V> = { key, value, touchedAt: now, older: this.newest, newer: undefined };
      if (this.newest === undefined) this.oldest = added;
      else this.newest.newer = added;
      this.newest = added;
      this.entries.set(key, added);
    } else {
      entry.value = value;
      entry.touchedAt = now;
      this.moveToNewest(entry);
    }
    for (let front = this.oldest; front !== undefined; front = this.oldest) {
      if (this.entries.size <= this.maxKeys && now - front.touchedAt < this.ttlMs) break;
      this.remove(front);
    }
  }

  private unlink(entry: Entry<V>): void {
    if (entry.older === undefined) this.oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.newest = entry.older;
    else entry.newer.older = entry.older;
  }

  private moveToNewest(entry: Entry<V>): void {
    if (entry === this.newest) return;
    this.unlink(entry);
    entry.older = this.newest;
    entry.newer = undefined;
    (this.newest as Entry<V>).newer = entry;
    this.newest = entry;
  }

  private remove(entry: Entry<V>): void {
    this.unlink(entry);
    this.entries.delete(entry.key);
  }
}

/**
 * Membership in this process's memory, bounded by `maxKeys` and `ttlMs` as the SQLite store in memory is: for
 * transforms that do not deliver (`transform`, the RudderStack transformer without Redis). Assignments and group
 * states are kept as objects, not JSON text: a dry run reads and writes a user's membership for nearly every event
 * and a group's state for every group call (README, Performance), and needs no SQLite engine at all.
 */
export class MemoryMembershipStore extends KeyedMembershipStore {
  private readonly membership: TouchedMemoryMap<readonly GroupAssignment[]>;
  private readonly groups: TouchedMemoryMap<GroupState>;

  constructor({ maxKeys, ttlMs, now = Date.now }: MemoryMembershipOptions) {
    super();
    if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    if (!(Number.isInteger(maxKeys) && maxKeys > 0)) throw new RangeError('maxKeys must be a positive integer');
    this.membership = new TouchedMemoryMap(maxKeys, ttlMs, now);
    this.groups = new TouchedMemoryMap(maxKeys, ttlMs, now);
  }

  protected read(key: string): readonly GroupAssignment[] {
    return this.membership.get(key) ?? [];
  }

  /** Kept frozen: readers get the stored list itself (no copy per read), and must not be able to change it. */
  protected write(key: string, assignments: readonly GroupAssignment[]): void {
    for (const assignment of assignments) Object.freeze(assignment);
    this.membership.set(key, Object.freeze(assignments));
  }

  protected readGroup(groupId: string): GroupState | undefined {
    return this.groups.get(groupId);
  }

  /** Kept frozen, as the assignments are. */
  protected writeGroup(state: GroupState): void {
    Object.freeze(state.properties);
    this.groups.set(state.groupId, Object.freeze(state));
  }

  /** One thread and no awaits inside a read-merge-write: it is atomic as it stands. */
  protected atomically<T>(work: () => T): T {
    return work();
  }
}
