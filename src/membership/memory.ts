import { assignmentsAt, mergeAssignments } from './rules.js';
import type { GroupAssignment, MembershipStore } from './store.js';

export interface MemoryMembershipOptions {
  /** Keys kept at most, per map (membership and upsert fingerprints); the least recently used go first. */
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
class TtlLru<V> {
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

/** The library's default store: in-process, bounded by key count and idle time, lost on exit. */
export class MemoryMembershipStore implements MembershipStore {
  private readonly membership: TtlLru<readonly Readonly<GroupAssignment>[]>;
  private readonly upserts: TtlLru<string>;
  private closed = false;

  constructor(options: MemoryMembershipOptions) {
    if (!(Number.isInteger(options.maxKeys) && options.maxKeys > 0)) throw new RangeError('maxKeys must be a positive integer');
    if (!(options.ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    const now = options.now ?? Date.now;
    this.membership = new TtlLru(options.maxKeys, options.ttlMs, now);
    this.upserts = new TtlLru(options.maxKeys, options.ttlMs, now);
  }

  // Stored lists are replaced on every change, never edited in place, so a reader can have the list itself.
  async get(key: string): Promise<readonly Readonly<GroupAssignment>[]> {
    this.assertOpen();
    return this.read(key);
  }

  async assign(key: string, groupIds: string[], at: number): Promise<string[]> {
    this.assertOpen();
    return this.merge(key, assignmentsAt(groupIds, at));
  }

  async link(from: string, to: string): Promise<string[]> {
    this.assertOpen();
    if (from === to) return [];
    return this.merge(to, this.read(from));
  }

  async lastUpsert(groupKey: string): Promise<string | undefined> {
    this.assertOpen();
    return this.upserts.get(groupKey);
  }

  async rememberUpsert(groupKey: string, fingerprint: string): Promise<void> {
    this.assertOpen();
    this.upserts.set(groupKey, fingerprint);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.membership.clear();
    this.upserts.clear();
  }

  private read(key: string): readonly GroupAssignment[] {
    return this.membership.get(key) ?? [];
  }

  private merge(key: string, incoming: readonly GroupAssignment[]): string[] {
    if (incoming.length === 0) return [];
    const { assignments, added } = mergeAssignments(this.read(key), incoming);
    this.membership.set(key, Object.freeze(assignments.map((a) => Object.freeze(a))));
    return added;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('membership store is closed');
  }
}
