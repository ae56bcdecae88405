import type { Redis } from 'ioredis';
import { dedupeCapWarning, type DedupeConfig, type DedupeStore } from '../../delivery/dedupe.js';
import { defineScript, onRedis, type Script } from './connection.js';
import { luaScript } from './scripts.js';

/** lua/dedupe-mark.lua (the delivered keys' sorted set: lua/lib/dedupe.lua), read at start. */
const markLua = luaScript('dedupe-mark');

/** Marks between two counts of the set for the dedupeMaxIds warning. */
const COUNT_EVERY = 1000;

/** Delivered request keys in Redis, shared by every instance, expiring by time (`dedupeTtlHours`) only. */
export class RedisDedupeStore implements DedupeStore {
  private readonly ttlMs: number;
  private readonly markScript: Script;
  private marksSinceCount = 0;
  private warned = false;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly config: DedupeConfig,
    private readonly where: string,
    readonly now: () => number = Date.now,
  ) {
    this.ttlMs = config.dedupeTtlHours * 3_600_000;
    this.markScript = defineScript(client, 'opdDedupeMark', markLua);
  }

  /** Keys delivered before this time have expired. */
  cutoff(): number {
    return this.now() - this.ttlMs;
  }

  async delivered(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const cutoff = this.cutoff();
    const times = await onRedis(this.where, () => this.client.zmscore(`${this.prefix}delivered`, ...keys));
    return new Set(keys.filter((_, i) => times[i] != null && Number(times[i]) > cutoff));
  }

  async markDelivered(key: string): Promise<void> {
    await onRedis(this.where, () => this.markScript(this.prefix, key, this.now(), this.cutoff()));
    await this.noteMarks(1);
  }

  /** Counts marks made here or by the outbox's scripts; now and then checks the set against dedupeMaxIds, warning once. */
  async noteMarks(n: number): Promise<void> {
    this.marksSinceCount += n;
    if (this.warned || this.marksSinceCount < COUNT_EVERY) return;
    this.marksSinceCount = 0;
    const count = await onRedis(this.where, () => this.client.zcard(`${this.prefix}delivered`));
    if (count > this.config.dedupeMaxIds) {
      this.warned = true;
      process.emitWarning(dedupeCapWarning(count, this.config.dedupeMaxIds));
    }
  }
}
