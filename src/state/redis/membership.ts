import type { Redis } from 'ioredis';
import { decodeGroupState, type GroupState } from '../../membership/group-state.js';
import { assignmentsAt, decodeAssignments, encodeAssignments } from '../../membership/rules.js';
import type { GroupPayload } from '../../openpanel/contract.js';
import { groupPatch } from '../../openpanel/group-properties.js';
import type { GroupAssignment, MembershipChanges, MembershipStore } from '../../membership/store.js';
import { StoreUnavailableError } from '../state-error.js';
import { defineScript, onRedis, type Script } from './connection.js';

/**
 * Lua for membership, shared with the outbox's commit. `P` is the key prefix. A key's assignments are one
 * string, `[[groupId, assignedAt], ...]` (the SQLite column's format), expiring `ttl` ms after its last write.
 * `mem_merge` is rules.ts' mergeAssignments, step for step: inside a script the read-merge-write of one key is
 * atomic, so two instances merging into one user both keep their groups. A group's state is one JSON string
 * (membership/group-state.ts) under `grp:<groupId>`; `grp_apply` is its withUpsert, taking the upsert's
 * properties as a patch (openpanel/group-properties.ts): a value sets its key, a null removes it.
 */
export const membershipLua = `
local function mem_merge(key, incoming, ttl)
  local k = P .. 'mem:' .. key
  local raw = redis.call('GET', k)
  local cur = raw and cjson.decode(raw) or {}
  local added = {}
  for _, nx in ipairs(incoming) do
    local held
    for i, a in ipairs(cur) do if a[1] == nx[1] then held = i break end end
    local place = true
    if not held then added[#added + 1] = nx[1]
    elseif cur[held][2] <= nx[2] then place = false
    else table.remove(cur, held) end
    if place then
      local at = #cur + 1
      for i, a in ipairs(cur) do if a[2] > nx[2] then at = i break end end
      table.insert(cur, at, { nx[1], nx[2] })
    end
  end
  if #cur > 0 then redis.call('SET', k, cjson.encode(cur), 'PX', ttl) end
  return added
end
local function grp_get(groupId)
  local raw = redis.call('GET', P .. 'grp:' .. groupId)
  return raw and cjson.decode(raw) or nil
end
local function grp_apply(groupId, name, gtype, patch, now, ttl)
  local k = P .. 'grp:' .. groupId
  local cur = grp_get(groupId)
  local props = cur and cur.properties or {}
  local changed = not cur or cur.name ~= name or cur.type ~= gtype
  for key, v in pairs(patch) do
    if v == cjson.null then
      if props[key] ~= nil then props[key] = nil changed = true end
    elseif props[key] ~= v then props[key] = v changed = true end
  end
  if changed then
    cur = { groupId = groupId, name = name, type = gtype, properties = props, updatedAt = now }
    redis.call('SET', k, cjson.encode(cur), 'PX', ttl)
  else
    redis.call('PEXPIRE', k, ttl)
  end
  return cur
end
`;

// ARGV: prefix, ttl, then the script's own.
const header = `local P = ARGV[1]
local ttl = tonumber(ARGV[2])
${membershipLua}`;

const assignLua = `${header}
return cjson.encode(mem_merge(ARGV[3], cjson.decode(ARGV[4]), ttl))`;

const linkLua = `${header}
local raw = redis.call('GET', P .. 'mem:' .. ARGV[3])
if not raw then return '[]' end
return cjson.encode(mem_merge(ARGV[4], cjson.decode(raw), ttl))`;

const applyLua = `${header}
local c = cjson.decode(ARGV[3])
for _, m in ipairs(c.merges) do mem_merge(m[1], m[2], ttl) end
return 1`;

// ARGV: prefix, ttl, groupId, name, type, patch JSON, now.
const upsertGroupLua = `${header}
return cjson.encode(grp_apply(ARGV[3], ARGV[4], ARGV[5], cjson.decode(ARGV[6]), tonumber(ARGV[7]), ttl))`;

/** Changes in the form the Lua above reads: assignments as `[groupId, assignedAt]` pairs. */
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
