import type { GroupPayload } from '../openpanel/contract.js';
import { withUpsert, type GroupState } from './group-state.js';
import { assignmentsAt, mergeAssignments } from './rules.js';
import type { GroupAssignment, MembershipChanges, MembershipStore } from './store.js';

/**
 * A batch's view of membership: reads see the store plus what the batch changed so far; writes stay here
 * until `changes()` is committed with the batch's outbox entries (one transaction), so membership and the
 * requests built from it are never stored apart. Group upserts change only the batch's view of their group: the
 * outbox folds each one it queues into the stored state itself. Holds only the keys the batch touched.
 */
export class MembershipOverlay implements MembershipStore {
  private readonly views = new Map<string, readonly GroupAssignment[]>();
  private readonly merges = new Map<string, GroupAssignment[]>();
  private readonly groups = new Map<string, GroupState | undefined>();

  constructor(private readonly base: MembershipStore) {}

  async get(key: string): Promise<readonly Readonly<GroupAssignment>[]> {
    let view = this.views.get(key);
    if (view === undefined) this.views.set(key, (view = await this.base.get(key)));
    return view;
  }

  /** Reads the keys a batch will touch in one go, when the store can (otherwise each is read on first use). */
  async preload(keys: Iterable<string>): Promise<void> {
    if (!this.base.getMany) return;
    const missing = [...new Set(keys)].filter((key) => !this.views.has(key));
    if (missing.length === 0) return;
    const found = await this.base.getMany(missing);
    missing.forEach((key, i) => this.views.set(key, found[i] ?? []));
  }

  async assign(key: string, groupIds: string[], at: number): Promise<string[]> {
    return this.merge(key, assignmentsAt(groupIds, at));
  }

  async link(from: string, to: string): Promise<string[]> {
    if (from === to) return [];
    return this.merge(to, await this.get(from));
  }

  async group(groupId: string): Promise<GroupState | undefined> {
    if (!this.groups.has(groupId)) this.groups.set(groupId, await this.base.group(groupId));
    return this.groups.get(groupId);
  }

  async upsertGroup(payload: GroupPayload, now: number): Promise<GroupState> {
    const next = withUpsert(await this.group(payload.id), payload, now);
    this.groups.set(payload.id, next);
    return next;
  }

  async apply({ merges }: MembershipChanges): Promise<void> {
    for (const [key, assignments] of merges) await this.merge(key, assignments);
  }

  /** What the batch changed, to commit with its outbox entries (which carry its group upserts). */
  changes(): MembershipChanges {
    return { merges: [...this.merges] };
  }

  async close(): Promise<void> {}

  private async merge(key: string, incoming: readonly GroupAssignment[]): Promise<string[]> {
    if (incoming.length === 0) return [];
    const { assignments, added } = mergeAssignments(await this.get(key), incoming);
    this.views.set(key, assignments);
    this.merges.set(key, mergeAssignments(this.merges.get(key) ?? [], incoming).assignments);
    return added;
  }
}
