import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { zDeadLetter, type DeadLetter, type DeadLetterStore, type NewDeadLetter } from '../../delivery/dead-letters.js';
import { defineScript, luaList, onRedis, type Script } from './connection.js';
import { luaScript } from './scripts.js';

// Read at start; KEYS/ARGV at the top of each file (lua/dead-letter-*.lua).
const addLua = luaScript('dead-letter-add');
const listLua = luaScript('dead-letter-list');
const removeLua = luaScript('dead-letter-remove');

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
