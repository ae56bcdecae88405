import { configSchema, type DestinationConfig, type DestinationConfigInput } from '../../config/schema.js';
import { loadMappings } from '../../mapping/load.js';
import { MemoryMembershipStore } from '../../membership/memory.js';
import type { MembershipStore } from '../../membership/store.js';
import type { TransformResult } from '../../transform/result.js';
import { createTransformer } from '../../transform/transformer.js';

export interface DestinationOptions {
  /** Membership backend; default: the bounded in-memory store sized by the config. */
  membership?: MembershipStore;
  /** Receive time for events without a timestamp (tests pin it). */
  now?: () => number;
}

const DAY_MS = 86_400_000;

export const memoryMembershipFor = (config: DestinationConfig, now?: () => number): MemoryMembershipStore =>
  new MemoryMembershipStore({ maxKeys: config.membershipMaxKeys, ttlMs: config.membershipTtlDays * DAY_MS, now });

/**
 * The library entry point: `transform` maps events to OpenPanel requests without sending them. Membership
 * carries across calls of one destination, as the SDK instance's groups do.
 */
export function createDestination(configInput: DestinationConfigInput, options: DestinationOptions = {}) {
  const config = configSchema.parse(configInput);
  const membership = options.membership ?? memoryMembershipFor(config, options.now);
  const transformEvent = createTransformer({ config, membership, mappings: loadMappings(), now: options.now });

  /** Events of one call are transformed one at a time, in order, so membership follows the input order. */
  async function transform(events: readonly unknown[]): Promise<TransformResult[]> {
    const results: TransformResult[] = [];
    for (let index = 0; index < events.length; index++) results.push(await transformEvent(events[index], index));
    return results;
  }

  return {
    config,
    transform,
    async close(): Promise<void> {
      await membership.close();
    },
  };
}

export type Destination = ReturnType<typeof createDestination>;
