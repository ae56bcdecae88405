import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configProblems } from '../../config/load.js';
import { normalizeConfigInput } from '../../config/normalize.js';
import type { DestinationConfigInput } from '../../config/schema.js';
import { ConfigurationError } from '../../errors.js';
import { isPlainObject } from '../../mapping/paths.js';
import { fingerprint } from '../../transform/fingerprint.js';
import { createDestination, type Destination } from '../library/destination.js';

/** A destination as rudder-server sends it with each event; `Config` is what its control plane stored. */
export interface RudderDestination {
  ID?: string;
  Config: unknown;
}

/**
 * Where membership lives between transformer calls. rudder-transformer runs several worker processes and may
 * send one user's events to any of them, so process memory is not enough: each RudderStack destination gets a
 * SQLite state file under this folder, shared by every worker on the host. Operators set
 * OPENPANEL_DESTINATION_DATA_DIR to a persistent volume; the default under the OS temp folder survives worker
 * restarts but not a new container.
 */
export const DATA_DIR_ENV = 'OPENPANEL_DESTINATION_DATA_DIR';
export const stateRoot = (env: NodeJS.ProcessEnv = process.env): string => env[DATA_DIR_ENV] || join(tmpdir(), 'openpanel-destination');

/** One folder per RudderStack destination (so a settings change keeps its users' membership), named safely. */
function stateDirFor(destinationId: string): string {
  const safe = /^[A-Za-z0-9_-]{1,64}$/.test(destinationId) ? destinationId : createHash('sha256').update(destinationId).digest('hex').slice(0, 32);
  return join(stateRoot(), safe);
}

const MAX_DESTINATIONS = 100;
// One Destination per RudderStack destination and settings, reused across calls; the oldest is closed past the cap.
const destinations = new Map<string, Destination>();

/** The Destination for these settings; throws ConfigurationError (naming keys, never values) for bad settings. */
export function destinationFor({ ID, Config }: RudderDestination): Destination {
  const { input } = normalizeConfigInput(isPlainObject(Config) ? Config : {});
  const key = `${ID ?? ''}:${fingerprint(input)}`;
  let destination = destinations.get(key);
  if (destination === undefined) {
    const problems = configProblems(input);
    if (problems.length > 0) throw new ConfigurationError(`invalid OpenPanel destination config: ${problems.join('; ')}`);
    const config = input as DestinationConfigInput;
    destination = createDestination(config, { dataDir: stateDirFor(ID ?? `client-${config.clientId}`) });
    destinations.set(key, destination);
    if (destinations.size > MAX_DESTINATIONS) {
      const [oldest, evicted] = destinations.entries().next().value as [string, Destination];
      destinations.delete(oldest);
      void evicted.close();
    }
  }
  return destination;
}

/** Closes every cached destination (tests; a host shutting down). */
export async function closeDestinations(): Promise<void> {
  const open = [...destinations.values()];
  destinations.clear();
  await Promise.all(open.map((destination) => destination.close()));
}
