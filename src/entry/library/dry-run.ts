import type { DestinationConfig } from '../../config/schema.js';
import { loadMappings } from '../../mapping/load.js';
import { MemoryMembershipStore } from '../../membership/memory-store.js';
import type { MembershipStore } from '../../membership/store.js';
import type { StoreConfig } from '../../state/open-state.js';
import { DAY_MS } from '../../state/state.js';
import { createTransformer, type TransformEvent } from '../../transform/transformer.js';

export interface DryRunOptions {
  now?: () => number;
  /** Where membership lives: in memory (default; `transform` keeps no state between runs) or a shared Redis. */
  store?: StoreConfig;
  /** Keeps one destination's users apart from another's in a shared store. */
  scope?: string;
}

export interface DryRun {
  config: DestinationConfig;
  transformEvent: TransformEvent;
  close(): Promise<void>;
}

/**
 * Transform without delivery: membership carries across the events (and calls) of this one transformer, as the
 * SDK instance's groups do; bounded in this process (src/membership/memory-store.ts), or shared by transformer
 * replicas in Redis. For `transform` (a dry run). The state backends are imported only for Redis: loading them
 * (ioredis, its scripts, SQLite) cost a short `transform` more than its work (README, Performance).
 */
export async function createDryRun(config: DestinationConfig, { now, store = { type: 'sqlite' }, scope = '' }: DryRunOptions = {}): Promise<DryRun> {
  const membership: MembershipStore =
    store.type === 'redis'
      ? (await import('../../state/open-state.js')).openTransformerMembership(store, scope, config)
      : new MemoryMembershipStore({ maxKeys: config.membershipMaxKeys, ttlMs: config.membershipTtlDays * DAY_MS, now });
  return { config, transformEvent: createTransformer({ config, membership, mappings: loadMappings(), now }), close: () => membership.close() };
}
