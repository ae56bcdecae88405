import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../state-error.js';

/**
 * ioredis, loaded by the first connection rather than at import: every entry point imports the Redis backend with
 * the others, and loading ioredis made a `send` on SQLite 0.14 s slower to start and end (README, Performance).
 */
let RedisClient: typeof Redis | undefined;
const redisClass = (): typeof Redis => (RedisClient ??= (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis);

/** host:port/db of a redis:// URL, without user or password, for messages. */
export function redisWhere(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return '(unparseable redis URL)';
  }
}

/**
 * One client per state. Commands wait while it reconnects, but fail after one retry instead of queueing
 * forever: intake must answer 503 within seconds when Redis is down, not hang. Scripts are sent by SHA
 * (ioredis' defineCommand falls back to EVAL once after a Redis restart).
 */
export function connectRedis(url: string): Redis {
  const client = new (redisClass())(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  // Failures reach the callers through their commands; the client keeps reconnecting.
  client.on('error', () => undefined);
  return client;
}

/** Runs one Redis call, naming the server (never the password) when it cannot be reached. */
export async function onRedis<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // A script's own error (a bug, or a corrupt value) is not an outage: let it through as it is.
    if (error instanceof Error && /^(ERR|WRONGTYPE) /.test(error.message) && !/connection|closed/i.test(error.message)) throw error;
    throw new StoreUnavailableError(where, error);
  }
}

/** A Lua script registered on the client (EVALSHA, EVAL once after a Redis restart); every argument in ARGV. */
export type Script = (...args: Array<string | number>) => Promise<unknown>;

export function defineScript(client: Redis, name: string, lua: string): Script {
  client.defineCommand(name, { numberOfKeys: 0, lua });
  const command = (client as unknown as Record<string, Script>)[name]!;
  return (...args) => command.apply(client, args);
}

/** Lua's cjson writes an empty table as `{}`: read it as the empty list it was. */
export const luaList = <T>(value: T[] | Record<string, never>): T[] => (Array.isArray(value) ? value : []);
