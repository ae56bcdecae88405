import { KeyedMembershipStore, type TouchedMap } from './keyed-store.js';
import type { GroupAssignment } from './store.js';

export interface MemoryMembershipOptions {
  /** Keys kept at most per table, the least recently touched (read or written) going first. */
  maxKeys: number;
  /** A key not touched for this long is forgotten. */
  ttlMs: number;
  now?: () => number;
}

/**
 * A Map whose iteration order is its touch order (a touch re-inserts the key), so the least recently touched
 * key is always first: expiry and eviction look only at the front.
 */
class TouchedMemoryMap<V> implements TouchedMap<V> {
  private readonly entries = new Map<string, { value: V; touchedAt: number }>();

  constructor(
    private readonly maxKeys: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.now();
    this.entries.delete(key);
    if (now - entry.touchedAt >= this.ttlMs) return undefined;
    entry.touchedAt = now;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, { value, touchedAt: now });
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxKeys && now - entry.touchedAt < this.ttlMs) break;
      this.entries.delete(oldest);
    }
  }
}

/**
 * Membership in this process's memory, bounded by `maxKeys` and `ttlMs` as the SQLite store in memory is: for
 * transforms that do not deliver (`transform`, the RudderStack transformer without Redis). Assignments are kept
 * as objects, not JSON text: a dry run reads and writes a user's membership for nearly every event (README,
 * Performance), and needs no SQLite engine at all.
 */
export class MemoryMembershipStore extends KeyedMembershipStore {
  private readonly membership: TouchedMemoryMap<readonly GroupAssignment[]>;
  protected readonly groups: TouchedMemoryMap<string>;

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

  /** One thread and no awaits inside a read-merge-write: it is atomic as it stands. */
  protected atomically<T>(work: () => T): T {
    return work();
  }
}
