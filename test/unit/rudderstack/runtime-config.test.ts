import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { transformerRuntimeConfig } from '../../../src/entry/rudderstack/runtime-config.js';

// The RudderStack entry's settings come from its host's environment (README "A self-hosted RudderStack").
describe('transformer runtime config from the environment', () => {
  it("reads rudder-transformer's Redis settings as its redisConnector does: TLS, port 6379 unless a number, credentials encoded", () => {
    expect(
      transformerRuntimeConfig({
        REDIS_HOST: 'redis.internal',
        REDIS_PORT: 'x',
        REDIS_USERNAME: 'rt',
        REDIS_PASSWORD: 'p@ss:word',
        OPENPANEL_DESTINATION_DATA_DIR: '/data',
      }),
    ).toEqual({
      store: { type: 'redis', url: 'rediss://rt:p%40ss%3Aword@redis.internal:6379', prefix: undefined },
      dataDir: '/data',
      problems: [],
    });
    expect(transformerRuntimeConfig({ REDIS_HOST: '::1', REDIS_PORT: '6380' }).store).toEqual({ type: 'redis', url: 'rediss://[::1]:6380', prefix: undefined });
  });

  it('prefers the store variables of the environment scheme (a _FILE too), and without any Redis keeps SQLite files on the host', () => {
    const env = { OPENPANEL_DESTINATION_STORE_URL: 'redis://:pw@10.0.0.5:6379/2', OPENPANEL_DESTINATION_STORE_PREFIX: 'staging:', REDIS_HOST: 'other' };
    expect(transformerRuntimeConfig(env).store).toEqual({ type: 'redis', url: 'redis://:pw@10.0.0.5:6379/2', prefix: 'staging:' });
    const dir = mkdtempSync(join(tmpdir(), 'openpanel-env-'));
    try {
      writeFileSync(join(dir, 'url'), 'rediss://:pw@redis.internal:6380\n');
      expect(transformerRuntimeConfig({ OPENPANEL_DESTINATION_STORE_URL_FILE: join(dir, 'url') }).store).toEqual({
        type: 'redis',
        url: 'rediss://:pw@redis.internal:6380',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(transformerRuntimeConfig({ OPENPANEL_DESTINATION_DATA_DIR: '/data' })).toEqual({ store: { type: 'sqlite' }, dataDir: '/data', problems: [] });
  });

  it('reports an unknown OPENPANEL_DESTINATION_ variable with a "did you mean"', () => {
    expect(transformerRuntimeConfig({ OPENPANEL_DESTINATION_STORE_ULR: 'redis://x' }).problems).toEqual([
      expect.stringMatching(/OPENPANEL_DESTINATION_STORE_ULR.*OPENPANEL_DESTINATION_STORE_URL/),
    ]);
  });

  it('refuses a URL that is not redis:// naming the variable, never its value', () => {
    expect(() => transformerRuntimeConfig({ OPENPANEL_DESTINATION_STORE_URL: 'http://user:secret-pw@host' })).toThrow(
      /^OPENPANEL_DESTINATION_STORE_URL must be a redis:\/\/ or rediss:\/\/ URL$/,
    );
  });
});
