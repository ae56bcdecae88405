import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { zDeadLetter, type DeadLetter, type DeadLetterStore, type NewDeadLetter } from '../../delivery/dead-letters.js';
import { defineScript, luaList, onRedis, type Script } from './connection.js';

/**
 * Lua for dead letters, shared with the outbox's scripts: records (JSON, with their id) in a hash, their order
 * in a sorted set scored by a counter, so list() is oldest first and pages on from any id.
 */
export const deadLettersLua = `
local function dl_add(id, record)
  local seq = redis.call('INCR', P .. 'dl:seq')
  redis.call('ZADD', P .. 'dl', seq, id)
  redis.call('HSET', P .. 'dl:rec', id, record)
end
local function dl_remove(ids)
  local n = 0
  for _, id in ipairs(ids) do
    if redis.call('ZREM', P .. 'dl', id) == 1 then
      redis.call('HDEL', P .. 'dl:rec', id)
      n = n + 1
    end
  end
  return n
end
`;

const header = `local P = ARGV[1]
${deadLettersLua}`;

const addLua = `${header}
dl_add(ARGV[2], ARGV[3])
return 1`;

// ARGV: prefix, afterId ('' for the start), limit (-1: all).
const listLua = `${header}
local min = '-inf'
if ARGV[2] ~= '' then
  local seq = redis.call('ZSCORE', P .. 'dl', ARGV[2])
  if seq then min = '(' .. seq end
end
local ids
if tonumber(ARGV[3]) >= 0 then ids = redis.call('ZRANGEBYSCORE', P .. 'dl', min, '+inf', 'LIMIT', 0, ARGV[3])
else ids = redis.call('ZRANGEBYSCORE', P .. 'dl', min, '+inf') end
local records = {}
for i, id in ipairs(ids) do records[i] = redis.call('HGET', P .. 'dl:rec', id) end
return records`;

const removeLua = `${header}
return dl_remove(cjson.decode(ARGV[2]))`;

/** The stored form of a dead letter: its JSON with its id (what SQLite stores in its column). */
export const deadLetterRecord = (id: string, record: NewDeadLetter): string => JSON.stringify({ ...record, id });

/** Dead letters in Redis, shared by every instance: any of them can list and replay them. */
export class RedisDeadLetterStore implements DeadLetterStore {
  private readonly addScript: Script;
  private readonly listScript: Script;
  private readonly removeScript: Script;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly where: string,
  ) {
    this.addScript = defineScript(client, 'opdDeadLetterAdd', addLua);
    this.listScript = defineScript(client, 'opdDeadLetterList', listLua);
    this.removeScript = defineScript(client, 'opdDeadLetterRemove', removeLua);
  }

  async add(record: NewDeadLetter): Promise<string> {
    const id = randomUUID();
    await onRedis(this.where, () => this.addScript(this.prefix, id, deadLetterRecord(id, record)));
    return id;
  }

  async list({ limit = -1, afterId }: { limit?: number; afterId?: string } = {}): Promise<DeadLetter[]> {
    if (limit === 0) return [];
    const records = (await onRedis(this.where, () => this.listScript(this.prefix, afterId ?? '', Number.isFinite(limit) ? limit : -1))) as Array<string | null>;
    return luaList(records)
      .filter((record): record is string => typeof record === 'string')
      .map((record) => zDeadLetter.parse(JSON.parse(record)));
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const record = await onRedis(this.where, () => this.client.hget(`${this.prefix}dl:rec`, id));
    return record === null ? undefined : zDeadLetter.parse(JSON.parse(record));
  }

  async remove(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(await onRedis(this.where, () => this.removeScript(this.prefix, JSON.stringify(ids))));
  }

  async count(): Promise<number> {
    return onRedis(this.where, () => this.client.zcard(`${this.prefix}dl`));
  }
}
