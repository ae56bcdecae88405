import type { Redis } from 'ioredis';
import { decodeGroupState, type GroupState } from '../../membership/group-state.js';
import { assignmentsAt, decodeAssignments, encodeAssignments } from '../../membership/rules.js';
import type { GroupPayload } from '../../openpanel/contract.js';
import { groupPatch } from '../../openpanel/group-properties.js';
import type { GroupAssignment, MembershipChanges, MembershipStore } from '../../membership/store.js';
import { StoreUnavailableError } from '../state-error.js';
import { defineScript, onRedis, type Script } from './connection.js';
import { luaScript } from './scripts.js';

// Read at start; KEYS/ARGV at the top of each file (lua/membership-*.lua, functions in lua/lib/membership.lua).
const assignLua = luaScript('membership-assign');
const linkLua = luaScript('membership-link');
const applyLua = luaScript('membership-apply');
const upsertGroupLua = luaScript('membership-upsert-group');

/** Changes in the form lua/lib/membership.lua reads: assignments as `[groupId, assignedAt]` pairs. */
export function membershipPayload({ merges }: MembershipChanges): { merges: Array<[string, Array<[string, number]>]> } {
  return { merges: merges.map(([key, assignments]) => [key, assignments.map((a) => [a.groupId, a.assignedAt])]) };
}

/**
 * A group state as the scripts return it: cjson writes an empty properties table as `{}` and a decoded one may
 * come back with its keys in any order; the state's own fields are checked by the schema.
 */
export const groupStateOf = (reply: unknown): GroupState => decodeGroupState(String(reply));

const addedIds = (reply: unknown): string[] => {
  const ids = JSON.parse(String(reply)) as string[] | Record<string, never>;
  return Array.isArray(ids) ? ids : [];
};

/**
 * Membership and group states in Redis, shared by every instance and transformer replica. Keys
 * expire `ttlMs` after their last write or read (GETEX refreshes them), like the other stores' last-touch TTL.
 */
export class RedisMembershipStore implements MembershipStore {
  private closed = false;
  private readonly assignScript: Script;
  private readonly linkScript: Script;
  private readonly applyScript: Script;
  private readonly upsertGroupScript: Script;
  private readonly ttlMs: number;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    ttlMs: number,
    private readonly where: string,
    /** Set when the store owns its connection (a transformer's membership without an outbox). */
    private readonly release?: () => Promise<void>,
  ) {
    this.ttlMs = Math.max(1, Math.ceil(ttlMs));
    this.assignScript = defineScript(client, 'opdMembershipAssign', assignLua);
    this.linkScript = defineScript(client, 'opdMembershipLink', linkLua);
    this.applyScript = defineScript(client, 'opdMembershipApply', applyLua);
    this.upsertGroupScript = defineScript(client, 'opdMembershipUpsertGroup', upsertGroupLua);
  }

  async get(key: string): Promise<readonly Readonly<GroupAssignment>[]> {
    const stored = await this.run(() => this.client.getex(`${this.prefix}mem:${key}`, 'PX', this.ttlMs));
    return stored === null ? [] : decodeAssignments(stored);
  }

  async getMany(keys: readonly string[]): Promise<Array<readonly Readonly<GroupAssignment>[]>> {
    if (keys.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const key of keys) pipeline.getex(`${this.prefix}mem:${key}`, 'PX', this.ttlMs);
    const replies = (await this.run(() => pipeline.exec())) ?? [];
    return replies.map(([error, stored]) => {
      if (error) throw new StoreUnavailableError(this.where, error);
      return typeof stored === 'string' ? decodeAssignments(stored) : [];
    });
  }

  async assign(key: string, groupIds: string[], at: number): Promise<string[]> {
    const incoming = encodeAssignments(assignmentsAt(groupIds, at));
    return addedIds(await this.run(() => this.assignScript(this.prefix, this.ttlMs, key, incoming)));
  }

  async link(from: string, to: string): Promise<string[]> {
    if (from === to) return [];
    return addedIds(await this.run(() => this.linkScript(this.prefix, this.ttlMs, from, to)));
  }

  async group(groupId: string): Promise<GroupState | undefined> {
    const stored = await this.run(() => this.client.getex(`${this.prefix}grp:${groupId}`, 'PX', this.ttlMs));
    return stored === null ? undefined : decodeGroupState(stored);
  }

  async upsertGroup(payload: GroupPayload, now: number): Promise<GroupState> {
    const patch = JSON.stringify(groupPatch(payload.properties));
    return groupStateOf(await this.run(() => this.upsertGroupScript(this.prefix, this.ttlMs, payload.id, payload.name, payload.type, patch, now)));
  }

  async apply(changes: MembershipChanges): Promise<void> {
    await this.run(() => this.applyScript(this.prefix, this.ttlMs, JSON.stringify(membershipPayload(changes))));
  }

  /** Ends this store's use of the client (and closes it when the store owns it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release?.();
  }

  get ttl(): number {
    return this.ttlMs;
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('membership store is closed'));
    return onRedis(this.where, work);
  }
}
