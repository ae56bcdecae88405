import type { Redis } from 'ioredis';
import { DAY_MS, type State, type StateConfig } from '../state.js';
import { connectRedis, redisWhere } from './connection.js';
import { RedisDeadLetterStore } from './dead-letters.js';
import { RedisDedupeStore } from './dedupe.js';
import { RedisMembershipStore } from './membership.js';
import { RedisOutbox, type RedisOutboxOptions } from './outbox.js';

export interface RedisStoreConfig {
  url: string;
  /** Every key starts with it, so several destinations (or tests) share one Redis apart. */
  prefix?: string;
}

export const DEFAULT_REDIS_PREFIX = 'openpanel-destination:';

/**
 * The scaled-out state (docs/state-backends.md "Redis"): every instance and transformer replica opens the same Redis and
 * prefix, and together they act as one destination. One connection per state, closed with it.
 */
export function openRedisState(store: RedisStoreConfig, config: StateConfig, options: RedisOutboxOptions & { now?: () => number } = {}): State {
  const client = connectRedis(store.url);
  const where = redisWhere(store.url);
  const prefix = store.prefix ?? DEFAULT_REDIS_PREFIX;
  const membership = new RedisMembershipStore(client, prefix, config.membershipTtlDays * DAY_MS, where);
  const dedupe = new RedisDedupeStore(client, prefix, config, where, options.now);
  const deadLetters = new RedisDeadLetterStore(client, prefix, where);
  const outbox = new RedisOutbox(client, prefix, membership, dedupe, deadLetters, where, options);
  return {
    membership,
    dedupe,
    deadLetters,
    outbox,
    async close() {
      await membership.close();
      await quit(client);
    },
  };
}

/** Membership alone, on its own connection (closed with it): for a transformer that does not deliver. */
export function openRedisMembership(store: RedisStoreConfig, config: StateConfig): RedisMembershipStore {
  const client = connectRedis(store.url);
  return new RedisMembershipStore(client, store.prefix ?? DEFAULT_REDIS_PREFIX, config.membershipTtlDays * DAY_MS, redisWhere(store.url), () => quit(client));
}

const quit = (client: Redis): Promise<void> =>
  client.quit().then(
    () => undefined,
    () => client.disconnect(),
  );
