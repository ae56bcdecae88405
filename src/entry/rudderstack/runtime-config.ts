import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../errors.js';
import type { StoreConfig } from '../../state/open-state.js';

/** Our own setting for the transformer's Redis (README "A self-hosted RudderStack"); it wins over REDIS_HOST. */
export const REDIS_URL_VARIABLE = 'OPENPANEL_DESTINATION_REDIS_URL';

/** Where the RudderStack entry keeps membership when its host (rudder-transformer) configures it only through the environment. */
export interface TransformerRuntimeConfig {
  store: StoreConfig;
  /** SQLite store: the folder of the host-shared membership files (a persistent volume in production). */
  dataDir: string;
}

/**
 * rudder-transformer's own Redis settings, read as its src/util/redis/redisConnector.js reads them: REDIS_HOST,
 * REDIS_PORT (6379 when absent or not a number), REDIS_USERNAME, REDIS_PASSWORD, always over TLS (`tls: {}` there),
 * hence rediss://.
 */
function rudderTransformerRedisUrl(env: NodeJS.ProcessEnv, host: string): string {
  const port = Number.parseInt(env.REDIS_PORT ?? '', 10) || 6379;
  const user = encodeURIComponent(env.REDIS_USERNAME ?? '');
  const password = env.REDIS_PASSWORD ? `:${encodeURIComponent(env.REDIS_PASSWORD)}` : '';
  const credentials = user || password ? `${user}${password}@` : '';
  return `rediss://${credentials}${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The folder of the SQLite membership files: the OS temp folder survives worker restarts, not a new container. */
export const transformerDataDir = (env: NodeJS.ProcessEnv = process.env): string => env.OPENPANEL_DESTINATION_DATA_DIR || join(tmpdir(), 'openpanel-destination');

/**
 * Our Redis URL, else rudder-transformer's REDIS_HOST settings, else SQLite files on this host. Keys start with
 * OPENPANEL_DESTINATION_REDIS_PREFIX (default `openpanel-destination:`), then `transformer:<destination ID>:`.
 */
export function transformerRuntimeConfig(env: NodeJS.ProcessEnv = process.env): TransformerRuntimeConfig {
  const dataDir = transformerDataDir(env);
  const prefix = env.OPENPANEL_DESTINATION_REDIS_PREFIX || undefined;
  const url = env[REDIS_URL_VARIABLE];
  if (url) {
    // The value may hold a password: the message names the variable only.
    if (!/^rediss?:\/\/[^/]/.test(url)) throw new ConfigurationError(`${REDIS_URL_VARIABLE} must be a redis:// or rediss:// URL`);
    return { store: { type: 'redis', url, prefix }, dataDir };
  }
  if (env.REDIS_HOST) return { store: { type: 'redis', url: rudderTransformerRedisUrl(env, env.REDIS_HOST), prefix }, dataDir };
  return { store: { type: 'sqlite' }, dataDir };
}
