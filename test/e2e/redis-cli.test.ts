import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXIT_STATE_UNUSABLE } from '../../src/state/state-error.js';
import { startFakeOpenPanel } from '../support/fake-openpanel.js';
import { deleteKeys, testPrefix, testRedisUrl } from '../support/redis.js';
import { bin, workWithInput } from '../support/cli.js';

/** The built CLI with `store: redis`: what a user runs, against the real Redis and a fake OpenPanel. */
jest.setTimeout(60_000);
const run = promisify(execFile);
const { work, input } = workWithInput(
  'op-redis-cli-',
  Array.from({ length: 300 }, (_, i) => ({ type: 'track', messageId: `m${i}`, userId: `u${i % 10}`, event: 'Tick' })),
);
const prefix = testPrefix('cli');
afterAll(async () => {
  await deleteKeys(prefix);
  rmSync(work, { recursive: true, force: true });
});

async function send(
  store: object,
  openPanel = { url: 'http://127.0.0.1:9', clientId: '5f0c8b9e-2d4a-4c1e-9b7a-3e6f1d2c4a80', clientSecret: 'sec_x' },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = join(work, 'config.json');
  writeFileSync(config, JSON.stringify({ clientId: openPanel.clientId, clientSecret: openPanel.clientSecret, apiUrl: openPanel.url, store }));
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, 'send', '--input', input, '--config', config], { env: { PATH: process.env.PATH ?? '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return error as { code: number; stdout: string; stderr: string };
  }
}

describe('send with the Redis store', () => {
  it('delivers through Redis, and a second run sends nothing again', async () => {
    const fake = await startFakeOpenPanel({ latencyMs: 5 });
    try {
      const store = { type: 'redis', url: testRedisUrl, prefix };
      expect(await send(store, fake)).toMatchObject({ code: 0, stdout: expect.stringContaining('delivered 300, skipped 0, rejected 0, dead-lettered 0') });
      expect(await send(store, fake)).toMatchObject({ code: 0, stdout: expect.stringContaining('delivered 0, skipped 300') });
      expect(fake.requests).toHaveLength(300);
    } finally {
      await fake.close();
    }
  });

  it('OpenPanel refuses the credentials: exit 3, the events said to be kept queued in Redis (never the password), not in a data dir', async () => {
    const fake = await startFakeOpenPanel();
    try {
      const url = new URL(testRedisUrl);
      url.password = 'hunter2';
      const { code, stderr } = await send(
        { type: 'redis', url: url.toString(), prefix: `${prefix}refused:` },
        { ...fake, clientSecret: 'sec_wrong_value_123' },
      );
      expect(code).toBe(3);
      const where = `${url.hostname}:${url.port || '6379'}${url.pathname.length > 1 ? url.pathname : ''}`;
      expect(stderr.trim().split('\n')).toContainEqual(
        expect.stringMatching(new RegExp(`delivery stopped, \\d+ events kept queued in Redis at ${where.replace(/\./g, '\\.')}: fix the credentials`)),
      );
      expect(stderr).not.toMatch(/data|hunter2/);
    } finally {
      await fake.close();
    }
  });

  it('Redis unreachable: one line naming it (never the password), the unusable-state exit code, nothing sent', async () => {
    const { code, stderr } = await send({ type: 'redis', url: 'redis://:hunter2@127.0.0.1:9/3', prefix });
    expect(code).toBe(EXIT_STATE_UNUSABLE);
    expect(stderr).toMatch(
      /^Redis at 127\.0\.0\.1:9\/3: unavailable \(not reachable\): nothing of this call was accepted; start Redis or fix store\.url, then send again$/m,
    );
    expect(stderr).not.toContain('hunter2');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
