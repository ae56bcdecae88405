import { KeyedMembershipStore, type TouchedMap } from '../../membership/keyed-store.js';
import type { GroupAssignment } from '../../membership/store.js';

export interface MemoryMembershipOptions {
  /** Keys kept at most, per map (membership and group states); the least recently used go first. */
  maxKeys: number;
  /** An entry not touched (read or written) for this long is forgotten. */
  ttlMs: number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  touchedAt: number;
}

/**
 * A Map kept in recency order (a touch re-inserts the key at the end), so the oldest entry is always first:
 * eviction beyond the bound and expiry sweeps both start at the front and stop at the first keeper.
 */
class TtlLru<V> implements TouchedMap<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly maxKeys: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
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

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The library's default store: in-process, bounded by key count and idle time, lost on exit. Stored lists are
 * frozen and replaced on every change, so readers get the list itself, not a copy.
 */
export class MemoryMembershipStore extends KeyedMembershipStore {
  private readonly membership: TtlLru<readonly Readonly<GroupAssignment>[]>;
  protected readonly groups: TtlLru<string>;

  constructor(options: MemoryMembershipOptions) {
    super();
    if (!(Number.isInteger(options.maxKeys) && options.maxKeys > 0)) throw new RangeError('maxKeys must be a positive integer');
    if (!(options.ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    const now = options.now ?? Date.now;
    this.membership = new TtlLru(options.maxKeys, options.ttlMs, now);
    this.groups = new TtlLru(options.maxKeys, options.ttlMs, now);
  }

  override async close(): Promise<void> {
    await super.close();
    this.membership.clear();
    this.groups.clear();
  }

  protected read(key: string): readonly Readonly<GroupAssignment>[] {
    return this.membership.get(key) ?? [];
  }

  protected write(key: string, assignments: readonly GroupAssignment[]): void {
    this.membership.set(key, Object.freeze(assignments.map((a) => Object.freeze(a))));
  }

  // One thread and no await inside a merge: it is atomic as it stands.
  protected atomically<T>(work: () => T): T {
    return work();
  }
}
