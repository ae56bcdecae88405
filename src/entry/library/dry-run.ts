import type { DestinationConfig } from '../../config/schema.js';
import { loadMappings } from '../../mapping/load.js';
import { DAY_MS } from '../../state/state.js';
import { MemoryMembershipStore } from '../../state/memory/membership.js';
import { createTransformer, type TransformEvent } from '../../transform/transformer.js';

/**
 * Transform without delivery: membership lives in a bounded in-memory store that carries across the events
 * (and calls) of this one transformer, as the SDK instance's groups do. For `transform` (a dry run) and the
 * RudderStack transformer API (rudder-server delivers the requests itself).
 */
export function createDryRun(config: DestinationConfig, now?: () => number): { config: DestinationConfig; transformEvent: TransformEvent; close(): Promise<void> } {
  const membership = new MemoryMembershipStore({ maxKeys: config.membershipMaxKeys, ttlMs: config.membershipTtlDays * DAY_MS, now });
  return { config, transformEvent: createTransformer({ config, membership, mappings: loadMappings(), now }), close: () => membership.close() };
}
