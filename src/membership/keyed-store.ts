import type { GroupPayload } from '../openpanel/contract.js';
import { withUpsert, type GroupState } from './group-state.js';
import { assignmentsAt, mergeAssignments } from './rules.js';
import type { GroupAssignment, MembershipChanges, MembershipStore } from './store.js';

/** A key -> value table with last-touch expiry (a SQLite table). */
export interface TouchedMap<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
}

/**
 * The MembershipStore contract over two tables, one per user key and one per group's state; a backend says only
 * how it reads and writes a key's assignments and a group's state, and how it merges (atomically for it).
 */
export abstract class KeyedMembershipStore implements MembershipStore {
  private closed = false;

  protected abstract read(key: string): readonly Readonly<GroupAssignment>[];
  protected abstract write(key: string, assignments: readonly GroupAssignment[]): void;
  protected abstract readGroup(groupId: string): GroupState | undefined;
  protected abstract writeGroup(state: GroupState): void;
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

  async group(groupId: string): Promise<GroupState | undefined> {
    this.assertOpen();
    return this.groupNow(groupId);
  }

  async upsertGroup(payload: GroupPayload, now: number): Promise<GroupState> {
    this.assertOpen();
    return this.upsertGroupNow(payload, now);
  }

  /** `group` without the promise, for a backend's outbox inside its own transaction. */
  groupNow(groupId: string): GroupState | undefined {
    return this.readGroup(groupId);
  }

  /** `upsertGroup` without the promise, for a backend's outbox commit inside its own transaction. */
  upsertGroupNow(payload: GroupPayload, now: number): GroupState {
    return this.atomically(() => {
      const previous = this.groupNow(payload.id);
      const next = withUpsert(previous, payload, now);
      if (next !== previous) this.writeGroup(next);
      return next;
    });
  }

  async apply(changes: MembershipChanges): Promise<void> {
    this.assertOpen();
    this.applyNow(changes);
  }

  /** `apply` without the promise, for a backend's outbox commit inside its own transaction. */
  applyNow({ merges }: MembershipChanges): void {
    this.atomically(() => {
      for (const [key, assignments] of merges) this.mergeInto(key, () => assignments);
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
