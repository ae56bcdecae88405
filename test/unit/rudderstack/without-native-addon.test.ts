import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { harnessCalls, harnessResponses, type TransformerAnswers } from '../../support/harness-responses.js';
import { hostWithoutNativeAddon } from '../../support/host-install.js';
import { deleteKeys, testPrefix, testRedisUrl } from '../../support/redis.js';
import { EXIT_STATE_UNUSABLE } from '../../../src/state/state-error.js';

/**
 * rudder-transformer installs its dependencies with `npm ci --ignore-scripts` (README "A self-hosted RudderStack"),
 * so better-sqlite3's addon is never built. The package's CommonJS entry, required by a host installed that way,
 * must still answer every committed harness case, with membership in Redis or, without Redis, in the single-host store.
 */
const run = promisify(execFile);
const calls = new URL('../../support/transformer-calls.cjs', import.meta.url).pathname;
const host = hostWithoutNativeAddon();
const plainHost = hostWithoutNativeAddon({ integrationsLib: false });
const dataDir = mkdtempSync(join(tmpdir(), 'openpanel-no-addon-'));
const prefix = testPrefix('no-addon');
afterAll(async () => {
  host.remove();
  plainHost.remove();
  rmSync(dataDir, { recursive: true, force: true });
  await deleteKeys(prefix);
});

async function inHost(env: Record<string, string>, { dir } = host): Promise<{ answers: TransformerAnswers; stderr: string }> {
  const child = run(process.execPath, [calls], { cwd: dir, env: { PATH: process.env.PATH, OPENPANEL_DESTINATION_DATA_DIR: dataDir, ...env } });
  child.child.stdin?.end(JSON.stringify(harnessCalls));
  const { stdout, stderr } = await child;
  return { answers: JSON.parse(stdout) as TransformerAnswers, stderr };
}

const singleHostWarnings = (stderr: string) => stderr.split('OPENPANEL_DESTINATION_SINGLE_HOST').length - 1;
const nodeSqlite = (() => {
  try {
    createRequire(import.meta.url)('node:sqlite');
    return true;
  } catch {
    return false;
  }
})();

describe('the CommonJS entry in a host whose better-sqlite3 was installed without its addon', () => {
  it('is such a host: better-sqlite3 loads but cannot open a database', async () => {
    const opening = run(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:')"], { cwd: host.dir });
    await expect(opening).rejects.toThrow(/Could not locate the bindings file/);
  });

  it('answers every harness case with membership in Redis (OPENPANEL_DESTINATION_STORE_URL), without warning', async () => {
    const { answers, stderr } = await inHost({ OPENPANEL_DESTINATION_STORE_URL: testRedisUrl, OPENPANEL_DESTINATION_STORE_PREFIX: prefix });
    for (const { actual, expected } of harnessResponses(answers)) expect(actual).toEqual(expected);
    expect(singleHostWarnings(stderr)).toBe(0);
  });

  if (nodeSqlite) {
    it('answers every harness case without Redis, membership in node:sqlite, with one warning naming the Redis settings', async () => {
      const { answers, stderr } = await inHost({});
      for (const { actual, expected } of harnessResponses(answers)) expect(actual).toEqual(expected);
      expect(singleHostWarnings(stderr)).toBe(1);
      expect(stderr).toContain("set OPENPANEL_DESTINATION_STORE_URL (or rudder-transformer's REDIS_HOST, REDIS_PORT, REDIS_PASSWORD)");
    });
  } else {
    it(`without Redis on Node ${process.version} (no node:sqlite), answers each event with a configuration error saying what to set`, async () => {
      const { answers } = await inHost({});
      const processed = answers.processed.flat();
      expect(processed.length).toBeGreaterThan(10);
      for (const answer of processed) {
        expect(answer).toEqual({
          error: expect.objectContaining({ status: 400, statTags: { errorCategory: 'dataValidation', errorType: 'configuration' }, hostBaseError: true }),
        });
      }
      const routed = answers.routed.flat();
      expect(routed.map((o) => (o as { statusCode: number }).statusCode)).toEqual(routed.map(() => 400));
      const messages = new Set(
        [...processed, ...routed].map((a) => ('error' in a ? (typeof a.error === 'string' ? a.error : (a.error as { message: string }).message) : '')),
      );
      for (const message of messages) expect(message).toMatch(/OPENPANEL_DESTINATION_STORE_URL or REDIS_HOST|invalid OpenPanel destination config/);
    });
  }

  it("the CLI's durable state (send --data-dir) says in one line that better-sqlite3's addon is missing and how to build it", async () => {
    writeFileSync(
      join(dataDir, 'config.json'),
      JSON.stringify({ clientId: '5f0c8b9e-2d4a-4c1e-9b7a-3e6f1d2c4a80', clientSecret: 'sec_x', apiUrl: 'http://127.0.0.1:9' }),
    );
    writeFileSync(join(dataDir, 'events.ndjson'), JSON.stringify({ type: 'track', userId: 'u1', event: 'Tick' }));
    const cli = join(host.dir, 'node_modules/openpanel-destination/bin/openpanel-destination');
    const args = [cli, 'send', '--input', join(dataDir, 'events.ndjson'), '--config', join(dataDir, 'config.json'), '--data-dir', join(dataDir, 'state')];
    const failure = (await run(process.execPath, args, { cwd: host.dir, env: { PATH: process.env.PATH } }).catch((error: unknown) => error)) as {
      code: number;
      stderr: string;
    };
    expect(failure.code).toBe(EXIT_STATE_UNUSABLE);
    expect(failure.stderr.trim()).toMatch(
      /^better-sqlite3: cannot be loaded \(Could not locate the bindings file\.[^\n]*\): build its native addon \(npm rebuild better-sqlite3\) or use a Redis store$/,
    );
  });

  it('without the optional peer @rudderstack/integrations-lib, gives the same answers with its own error classes', async () => {
    const redis = { OPENPANEL_DESTINATION_STORE_URL: testRedisUrl };
    const withPeer = await inHost({ ...redis, OPENPANEL_DESTINATION_STORE_PREFIX: `${prefix}with:` });
    const withoutPeer = await inHost({ ...redis, OPENPANEL_DESTINATION_STORE_PREFIX: `${prefix}without:` }, plainHost);
    const errors = withPeer.answers.processed.flat().flatMap((a) => ('error' in a ? [a.error] : []));
    expect(errors.length).toBeGreaterThan(3);
    expect(errors.every((e) => e.hostBaseError)).toBe(true);
    const ownClasses = withPeer.answers.processed.map((events) => events.map((a) => ('error' in a ? { error: { ...a.error, hostBaseError: false } } : a)));
    expect(withoutPeer.answers).toEqual({ ...withPeer.answers, processed: ownClasses });
  });
});
