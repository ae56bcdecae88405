import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configProblems } from '../../config/load.js';
import { normalizeConfigInput } from '../../config/normalize.js';
import { configSchema, type DestinationConfig } from '../../config/schema.js';
import { ConfigurationError } from '../../errors.js';
import { isPlainObject } from '../../helpers/values.js';
import { loadMappings } from '../../mapping/load.js';
import type { MembershipStore } from '../../membership/store.js';
import { openSharedMembership, type StoreConfig } from '../../state/open-state.js';
import { fingerprint } from '../../transform/fingerprint.js';
import { createTransformer, type TransformEvent } from '../../transform/transformer.js';

/** A destination as rudder-server sends it with each event; `Config` is what its control plane stored. */
export interface RudderDestination {
  ID?: string;
  Config: unknown;
}

/** What the transformer API needs per RudderStack destination: its settings and a transform over shared membership. */
export interface RudderStackDestination {
  config: DestinationConfig;
  transformEvent: TransformEvent;
  close(): void;
}

/**
 * Where membership lives between transformer calls. rudder-transformer runs several worker processes and may
 * send one user's events to any of them, so process memory is not enough: each RudderStack destination has a
 * SQLite membership file under this folder that every worker on the host opens at once. Operators set
 * OPENPANEL_DESTINATION_DATA_DIR to a persistent volume; the default under the OS temp folder survives worker
 * restarts, not a new container.
 */
const stateRoot = (): string => process.env.OPENPANEL_DESTINATION_DATA_DIR || join(tmpdir(), 'openpanel-destination');

let store: StoreConfig = { type: 'sqlite' };

/**
 * Where transformer membership lives: `serve` passes its config `store`, so replicas on one Redis share it.
 * Destinations opened on another store are closed, so none keeps writing membership where it no longer belongs.
 */
export function useStore(next: StoreConfig): void {
  if (fingerprint(next) !== fingerprint(store)) closeDestinations();
  store = next;
}

/** One membership per RudderStack destination: Redis when the store is Redis, else the host's shared SQLite file. */
function openMembership(destinationId: string, config: DestinationConfig): MembershipStore {
  const safeId = /^[A-Za-z0-9_-]{1,64}$/.test(destinationId) ? destinationId : createHash('sha256').update(destinationId).digest('hex').slice(0, 32);
  return openSharedMembership(store, destinationId, join(stateRoot(), safeId), config);
}

const MAX_DESTINATIONS = 100;
// One per RudderStack destination and settings, reused across calls; the oldest is closed past the cap.
const destinations = new Map<string, RudderStackDestination>();
let mappings: ReturnType<typeof loadMappings> | undefined;

/** The destination for these settings; throws ConfigurationError (naming keys, never values) for bad settings. */
export function destinationFor({ ID, Config }: RudderDestination): RudderStackDestination {
  const { input } = normalizeConfigInput(isPlainObject(Config) ? Config : {});
  const key = `${ID ?? ''}:${fingerprint(input)}`;
  let destination = destinations.get(key);
  if (destination === undefined) {
    const problems = configProblems(input);
    if (problems.length > 0) throw new ConfigurationError(`invalid OpenPanel destination config: ${problems.join('; ')}`);
    const config = configSchema.parse(input);
    const membership = openMembership(ID ?? `client-${config.clientId}`, config);
    mappings ??= loadMappings();
    destination = { config, transformEvent: createTransformer({ config, membership, mappings }), close: () => void membership.close() };
    destinations.set(key, destination);
    if (destinations.size > MAX_DESTINATIONS) {
      const [oldest, evicted] = destinations.entries().next().value as [string, RudderStackDestination];
      destinations.delete(oldest);
      evicted.close();
    }
  }
  return destination;
}

/** Closes every cached destination (tests; a host shutting down). */
export function closeDestinations(): void {
  for (const destination of destinations.values()) destination.close();
  destinations.clear();
}
