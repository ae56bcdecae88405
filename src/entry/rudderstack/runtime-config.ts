import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, envName, flagVariables } from '../../config/env.js';
import { runtimeConfigSchema } from '../../config/runtime.js';
import { ConfigurationError } from '../../errors.js';
import { isPlainObject } from '../../helpers/values.js';
import type { StoreConfig } from '../../state/open-state.js';

/** The store's variables of the environment scheme (README, Configuration), named in messages. */
export const STORE_URL_VARIABLE = envName('store', 'url');

/** Where the RudderStack entry keeps membership when its host (rudder-transformer) configures it only through the environment. */
export interface TransformerRuntimeConfig {
  store: StoreConfig;
  /** SQLite store: the folder of the host-shared membership files (a persistent volume in production). */
  dataDir: string;
  /** Unusable OPENPANEL_DESTINATION_* variables (unknown, unreadable _FILE), one line each, never a value. */
  problems: string[];
}

/** The folder of the SQLite membership files: the OS temp folder survives worker restarts, not a new container. */
export const transformerDataDir = (env: NodeJS.ProcessEnv = process.env): string => env[flagVariables.dataDir] || join(tmpdir(), 'openpanel-destination');

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

/**
 * The store as the environment scheme of `serve` names it (OPENPANEL_DESTINATION_STORE_URL, _STORE_PREFIX, each also
 * as _FILE), else rudder-transformer's REDIS_HOST settings (with our prefix when set), else SQLite files on this host.
 * Redis keys start with the prefix (default `openpanel-destination:`), then `transformer:<destination ID>:`.
 */
export function transformerRuntimeConfig(env: NodeJS.ProcessEnv = process.env): TransformerRuntimeConfig {
  const dataDir = transformerDataDir(env);
  const { input, problems } = configFromEnv(env);
  const fields = isPlainObject(input.store) ? input.store : {};
  const prefix = typeof fields.prefix === 'string' ? fields.prefix : undefined;
  if (fields.url !== undefined) {
    const store = runtimeConfigSchema.shape.store.safeParse({ type: 'redis', url: fields.url, prefix });
    // The value may hold a password: the message names the variable only.
    if (!store.success) throw new ConfigurationError(`${STORE_URL_VARIABLE} must be a redis:// or rediss:// URL`);
    return { store: store.data, dataDir, problems };
  }
  if (env.REDIS_HOST) return { store: { type: 'redis', url: rudderTransformerRedisUrl(env, env.REDIS_HOST), prefix }, dataDir, problems };
  return { store: { type: 'sqlite' }, dataDir, problems };
}
