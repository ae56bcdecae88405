import type { DestinationConfig } from '../../config/schema.js';
import { loadMappings } from '../../mapping/load.js';
import { openTransformerMembership, type StoreConfig } from '../../state/open-state.js';
import { createTransformer, type TransformEvent } from '../../transform/transformer.js';

export interface DryRunOptions {
  now?: () => number;
  /** Where membership lives: in memory (default; `transform` keeps no state between runs) or a shared Redis. */
  store?: StoreConfig;
  /** Keeps one destination's users apart from another's in a shared store. */
  scope?: string;
}

/**
 * Transform without delivery: membership carries across the events (and calls) of this one transformer, as the
 * SDK instance's groups do; bounded in memory, or shared by transformer replicas in Redis. For `transform` (a dry
 * run) and the RudderStack transformer API (rudder-server delivers the requests itself).
 */
export function createDryRun(
  config: DestinationConfig,
  { now, store = { type: 'sqlite' }, scope = '' }: DryRunOptions = {},
): { config: DestinationConfig; transformEvent: TransformEvent; close(): Promise<void> } {
  const membership = openTransformerMembership(store, scope, config, now);
  return { config, transformEvent: createTransformer({ config, membership, mappings: loadMappings(), now }), close: () => membership.close() };
}
