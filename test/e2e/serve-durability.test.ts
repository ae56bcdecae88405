import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Analytics } from '@segment/analytics-node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { startServe, writeConfig, type ServeProcess } from '../../scripts/serve-process.js';
import { eventually } from '../support/eventually.js';

/**
 * kill -9 in the middle of an SDK stream, restart on the same data dir: every event serve acknowledged reaches
 * OpenPanel, tracks with their groups: serve answers only after the outbox committed the events.
 */
jest.setTimeout(90_000);

const writeKey = 'wk_e2e_kill_5b2f';
const users = 30;
const tracksPerUser = 40;

describe('serve killed with -9 mid-stream', () => {
  let fake: FakeOpenPanel;
  let serve: ServeProcess;
  const dataDir = mkdtempSync(join(tmpdir(), 'op-serve-kill-'));
  let config: string;
  beforeAll(async () => {
    // Slow enough that much is still queued at the kill.
    fake = await startFakeOpenPanel({ latencyMs: 20 });
    config = writeConfig({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, writeKey, concurrency: 4 });
    serve = await startServe(['--config', config, '--host', '127.0.0.1', '--data-dir', dataDir]);
  });
  afterAll(async () => {
    await serve.stop();
    await fake.close();
  });

  it('loses nothing it acknowledged, and the tracks keep their groups', async () => {
    // The SDK calls back per event once its batch was answered: a callback without error is an acknowledgement.
    const acknowledged = new Set<string>();
    const groupOf = (u: number): string => `org-${u % 5}`;
    // Users join their groups first (the SDK may have several batches in flight, so this is flushed on its own).
    const signUp = new Analytics({ writeKey, host: serve.url, maxRetries: 0 });
    for (let u = 0; u < users; u++) signUp.group({ userId: `k-${u}`, groupId: groupOf(u), traits: { name: groupOf(u) } });
    await signUp.closeAndFlush({ timeout: 10_000 });
    const analytics = new Analytics({ writeKey, host: serve.url, flushAt: 50, flushInterval: 50, maxRetries: 0 });
    analytics.on('error', () => undefined);
    for (let n = 0; n < tracksPerUser; n++) {
      for (let u = 0; u < users; u++) {
        const messageId = `k-${u}-${n}`;
        analytics.track({ userId: `k-${u}`, event: 'Streamed', messageId, properties: { n } }, (error) => {
          if (!error) acknowledged.add(messageId);
        });
      }
      if (n === tracksPerUser / 2) {
        await eventually(() => acknowledged.size > users * 5);
        serve.child.kill('SIGKILL');
      }
      await sleep(5);
    }
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(await serve.exited).toBe('SIGKILL');
    expect(acknowledged.size).toBeGreaterThan(0);

    serve = await startServe(['--config', config, '--host', '127.0.0.1', '--data-dir', dataDir]);
    const stored = (): Set<string> =>
      new Set(fake.requests.flatMap((r) => (r.body.type === 'track' ? [`${r.body.payload.profileId}-${(r.body.payload.properties as { n: number }).n}`] : [])));
    const missing = (): string[] => {
      const delivered = stored();
      return [...acknowledged].filter((id) => !delivered.has(id));
    };
    await eventually(() => missing().length === 0, 30_000).catch(() => undefined);
    expect(missing()).toEqual([]);
    // At most the requests on the wire at the kill (concurrency 4) are sent again.
    const tracks = fake.requests.filter((r) => r.body.type === 'track').length;
    expect(tracks - stored().size).toBeLessThanOrEqual(4);
    for (const request of fake.requests) {
      if (request.body.type !== 'track') continue;
      const user = Number(String(request.body.payload.profileId).slice(2));
      expect(request.body.payload.groups).toEqual([groupOf(user)]);
    }
  });
});
