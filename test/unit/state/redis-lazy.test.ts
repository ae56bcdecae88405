import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fakeClientId, fakeClientSecret } from '../../support/fake-openpanel.js';
import { testRedisUrl } from '../../support/redis.js';

const run = promisify(execFile);
const builtPackage = new URL('../../../dist/index.js', import.meta.url).href;

/** An ESM resolve hook that appends a line to `marker` whenever something imports ioredis. */
const importWatch = (marker: string) =>
  `export async function resolve(specifier, context, next) {
    if (specifier === 'ioredis') (await import('node:fs')).appendFileSync(${JSON.stringify(marker)}, specifier + '\\n');
    return next(specifier, context);
  }`;

/**
 * The built package in a process of its own (jest's module registry is not Node's): whether ioredis was loaded, by an
 * import (seen by the hook) or a require (in require's cache), after a destination on SQLite transformed an event and
 * after one on Redis was opened. Prints `{ sqlite, redis }`.
 */
const program = (dataDir: string, marker: string) => `
import { createRequire, register } from 'node:module';
import { existsSync } from 'node:fs';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(importWatch(marker))}));
const { createDestination } = await import(${JSON.stringify(builtPackage)});
const ioredisLoaded = () =>
  existsSync(${JSON.stringify(marker)}) || Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/node_modules/ioredis/'));
const config = { clientId: ${JSON.stringify(fakeClientId)}, clientSecret: ${JSON.stringify(fakeClientSecret)}, apiUrl: 'http://127.0.0.1:9' };
const onSqlite = createDestination(config, { dataDir: ${JSON.stringify(dataDir)} });
await onSqlite.transform([{ type: 'track', event: 'Signed Up', userId: 'user_1' }]);
const sqlite = ioredisLoaded();
await onSqlite.close({ deadlineMs: 0 });
const onRedis = createDestination({ ...config, store: { type: 'redis', url: ${JSON.stringify(testRedisUrl)}, prefix: 'lazy-ioredis-test:' } });
const redis = ioredisLoaded();
await onRedis.close({ deadlineMs: 0 });
process.stdout.write(JSON.stringify({ sqlite, redis }));
`;

describe('the Redis backend loads ioredis only when a store is on Redis', () => {
  it('a destination on SQLite never loads it; one on Redis does', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lazy-ioredis-'));
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', program(dataDir, join(dataDir, 'ioredis-imported'))]);
    expect(JSON.parse(stdout)).toEqual({ sqlite: false, redis: true });
  }, 20_000);
});
