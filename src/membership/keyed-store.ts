import { assignmentsAt, mergeAssignments } from './rules.js';
import type { GroupAssignment, MembershipChanges, MembershipStore } from './store.js';

/** A key -> value table with last-touch expiry (a SQLite table). */
export interface TouchedMap<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
}

/**
 * The MembershipStore contract over two tables, one per user key and one per group's upsert fingerprint; a
 * backend says only how it reads a key's assignments and how it merges into them (atomically for it).
 */
export abstract class KeyedMembershipStore implements MembershipStore {
  private closed = false;
  protected abstract readonly upserts: TouchedMap<string>;

  protected abstract read(key: string): readonly Readonly<GroupAssignment>[];
  protected abstract write(key: string, assignments: readonly GroupAssignment[]): void;
  /** Runs a read-merge-write as one unit for the backend (a transaction where others share the data). */
  protected abstract atomically<T>(work: () => T): T;

  async get(key: string): Promise<readonly Readonly<GroupAssignment>[]> {
    this.assertOpen();
    return this.read(key);
  }

  async assign(key: string, groupIds: string[], at: number): Promise<string[]> {
    this.assertOpen();
    const incoming = assignmentsAt(groupIds, at);
    return this.mergeInto(key, () => incoming);
  }

  async link(from: string, to: string): Promise<string[]> {
    this.assertOpen();
    if (from === to) return [];
    return this.mergeInto(to, () => this.read(from));
  }

  async lastUpsert(groupKey: string): Promise<string | undefined> {
    this.assertOpen();
    return this.upserts.get(groupKey);
  }

  async rememberUpsert(groupKey: string, fingerprint: string): Promise<void> {
    this.assertOpen();
    this.upserts.set(groupKey, fingerprint);
  }

  async apply(changes: MembershipChanges): Promise<void> {
    this.assertOpen();
    this.applyNow(changes);
  }

  /** `apply` without the promise, for a backend's outbox commit inside its own transaction. */
  applyNow({ merges, upserts }: MembershipChanges): void {
    this.atomically(() => {
      for (const [key, assignments] of merges) this.mergeInto(key, () => assignments);
      for (const [groupId, print] of upserts) this.upserts.set(groupId, print);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Merges `incoming()` into the key's assignments; returns the groupIds the key did not have before. */
  private mergeInto(key: string, incoming: () => readonly Readonly<GroupAssignment>[]): string[] {
    return this.atomically(() => {
      const arriving = incoming();
      if (arriving.length === 0) return [];
      const { assignments, added } = mergeAssignments(this.read(key), arriving);
      this.write(key, assignments);
      return added;
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('membership store is closed');
  }
}
