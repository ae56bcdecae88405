import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests use (.ci/run starts one when none answers). */
export const testRedisUrl = process.env.OPENPANEL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** A key prefix no other test (or run) shares. */
export const testPrefix = (what: string): string => `opd-test:${what}:${randomUUID().slice(0, 8)}:`;

/** Deletes every key under `prefix`, so a test leaves Redis as it found it. */
export async function deleteKeys(prefix: string): Promise<void> {
  const client = new Redis(testRedisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
