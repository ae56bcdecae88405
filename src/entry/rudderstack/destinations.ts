import { createHash } from 'node:crypto';
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
import { STORE_URL_VARIABLE, transformerDataDir, transformerRuntimeConfig, type TransformerRuntimeConfig } from './runtime-config.js';

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
 * Where membership lives between transformer calls. rudder-transformer runs several worker processes, and often
 * several replicas, and may send one user's events to any of them: `serve` says its config `store`; in
 * rudder-transformer the environment does (README "A self-hosted RudderStack"): Redis shared by every replica, else
 * one SQLite file per destination under a folder that every worker on the host opens at once.
 */
let runtime: (TransformerRuntimeConfig & { fromEnvironment: boolean }) | undefined;
let warnedSingleHost = false;

function currentRuntime(): TransformerRuntimeConfig & { fromEnvironment: boolean } {
  if (runtime === undefined) {
    runtime = { ...transformerRuntimeConfig(), fromEnvironment: true };
    if (runtime.problems.length > 0) process.emitWarning(`OpenPanel destination: ${runtime.problems.join('; ')}`, { code: 'OPENPANEL_DESTINATION_ENV' });
  }
  return runtime;
}

/**
 * Where transformer membership lives: `serve` passes its config `store`, so replicas on one Redis share it.
 * Destinations opened on another store are closed, so none keeps writing membership where it no longer belongs.
 */
export function useStore(next: StoreConfig): void {
  if (runtime !== undefined && fingerprint(next) !== fingerprint(runtime.store)) closeDestinations();
  runtime = { store: next, dataDir: transformerDataDir(), problems: [], fromEnvironment: false };
}

/** Said once per process: a single-host store is right for one transformer, not for replicas on several hosts. */
function warnSingleHost(dataDir: string): void {
  if (warnedSingleHost) return;
  warnedSingleHost = true;
  process.emitWarning(
    `OpenPanel destination: group membership is kept on this host only (SQLite files under ${dataDir}). Transformer replicas on other hosts ` +
      `would each see part of every user's groups: for several replicas set ${STORE_URL_VARIABLE} (or rudder-transformer's REDIS_HOST, REDIS_PORT, REDIS_PASSWORD).`,
    { code: 'OPENPANEL_DESTINATION_SINGLE_HOST' },
  );
}

/**
 * One membership per RudderStack destination: Redis when the store is Redis, else the host's shared SQLite file. A
 * store that cannot be opened (SQLite with neither better-sqlite3's addon nor node:sqlite, an unwritable folder) is
 * a ConfigurationError for the event, naming what to set, rather than a failure of every call.
 */
function openMembership(destinationId: string, config: DestinationConfig): MembershipStore {
  const { store, dataDir, fromEnvironment } = currentRuntime();
  const safeId = /^[A-Za-z0-9_-]{1,64}$/.test(destinationId) ? destinationId : createHash('sha256').update(destinationId).digest('hex').slice(0, 32);
  try {
    const opened = openSharedMembership(store, destinationId, join(dataDir, safeId), config);
    if (store.type === 'sqlite' && fromEnvironment) warnSingleHost(dataDir);
    return opened;
  } catch (error) {
    throw new ConfigurationError(
      `OpenPanel membership store cannot be opened (${(error as Error).message}): set ${STORE_URL_VARIABLE} or REDIS_HOST to keep it in Redis, ` +
        'or make OPENPANEL_DESTINATION_DATA_DIR a writable folder and give SQLite an engine (build better-sqlite3, or Node >= 22.13 for node:sqlite)',
    );
  }
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
