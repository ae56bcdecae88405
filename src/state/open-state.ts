import type { DestinationConfig } from '../config/schema.js';
import type { MembershipStore } from '../membership/store.js';
import { redisWhere } from './redis/connection.js';
import { DEFAULT_REDIS_PREFIX, openRedisMembership, openRedisState } from './redis/index.js';
import { openSqliteState } from './sqlite/index.js';
import { openSharedSqliteMembership } from './sqlite/shared-membership.js';
import { DAY_MS, type State, type StateConfig } from './state.js';

export type StoreConfig = DestinationConfig['store'];
export type RedisStoreConfig = Extract<StoreConfig, { type: 'redis' }>;

export interface OpenStateOptions {
  /** SQLite store: keep the state in this folder; without it, in memory. */
  dataDir?: string;
  lockTimeoutMs?: number;
  now?: () => number;
}

/** The one place a backend is chosen: config `store` (Redis when scaled out), else SQLite under dataDir, else SQLite in memory. */
export function openState(config: StateConfig & Pick<DestinationConfig, 'store'>, options: OpenStateOptions = {}): State {
  const { store } = config;
  if (store.type === 'redis') return openRedisState(store, config, { now: options.now });
  return openSqliteState(options.dataDir, config, { lockTimeoutMs: options.lockTimeoutMs, now: options.now });
}

/** Where `openState` keeps the state, for messages: the data dir, or the Redis server (never its password). */
export function stateLocation(store: StoreConfig, dataDir?: string): string {
  if (store.type === 'redis') return `Redis at ${redisWhere(store.url)}`;
  return dataDir ?? 'memory';
}

/**
 * Membership in Redis for a transformer that does not deliver (a dry run, RudderStack's transformer API), so
 * transformer replicas share it, under `scope` so two destinations never mix their users. Without Redis a dry run
 * keeps it in its own process (src/entry/library/dry-run.ts).
 */
export function openTransformerMembership(store: RedisStoreConfig, scope: string, config: StateConfig): MembershipStore {
  return openRedisMembership({ url: store.url, prefix: `${store.prefix ?? DEFAULT_REDIS_PREFIX}transformer:${scope}:` }, config);
}

/**
 * Membership for RudderStack's transformer workers, which may get one user's events in any process: in Redis when
 * the store is Redis (replicas on several hosts share it, under `scope`), else in a SQLite file under `dir` that
 * every worker on the host opens at once.
 */
export function openSharedMembership(store: StoreConfig, scope: string, dir: string, config: StateConfig): MembershipStore {
  if (store.type === 'sqlite') return openSharedSqliteMembership(dir, config.membershipTtlDays * DAY_MS);
  return openTransformerMembership(store, scope, config);
}
