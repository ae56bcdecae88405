import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { startServe, writeConfig, type ServeProcess } from '../../scripts/serve-process.js';
import { eventually } from '../support/eventually.js';

/**
 * The real SDKs, changed only in where they send: Segment's analytics-node with `host`, RudderStack's Node SDK
 * with `dataPlaneUrl`, through `serve` (the built CLI) to the fake OpenPanel. Each user joins a group, then
 * tracks: every track must reach OpenPanel with the group.
 */
jest.setTimeout(60_000);

const writeKey = 'wk_e2e_sdk_41c9d7';
const users = Array.from({ length: 12 }, (_, i) => ({ userId: `user-${i}`, groupId: `org-${i % 4}` }));
const tracksPerUser = 10;

describe('SDKs pointed at serve', () => {
  let fake: FakeOpenPanel;
  let serve: ServeProcess;
  beforeAll(async () => {
    fake = await startFakeOpenPanel();
    const config = writeConfig({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, writeKey });
    serve = await startServe(['--config', config, '--host', '127.0.0.1', '--data-dir', mkdtempSync(join(tmpdir(), 'op-serve-sdk-'))]);
  });
  afterAll(async () => {
    await serve.stop();
    await fake.close();
  });

  const expectTracksWithGroups = (prefix: string): void => {
    for (const { userId, groupId } of users) {
      const tracks = fake.tracksOf(`${prefix}${userId}`);
      // The SDKs may have several batches in flight, so arrival order across batches is not the call order.
      expect(tracks.map((t) => t.name).sort()).toEqual(Array.from({ length: tracksPerUser }, (_, n) => `Step ${n}`).sort());
      for (const track of tracks) expect(track.groups).toEqual([groupId]);
    }
  };

  it('@segment/analytics-node (host) delivers identify, group and tracks with their groups', async () => {
    // The SDK may have several batches in flight at once: the sign-up calls are flushed before the tracks start,
    // as an app's login precedes its activity.
    const errors: unknown[] = [];
    const client = (): Analytics => new Analytics({ writeKey, host: serve.url, flushAt: 25, maxRetries: 2 }).on('error', (error) => errors.push(error));
    const signUp = client();
    for (const { userId, groupId } of users) {
      const id = `seg-${userId}`;
      signUp.identify({ userId: id, traits: { email: `${id}@example.com` } });
      signUp.group({ userId: id, groupId, traits: { name: groupId.toUpperCase(), plan: 'pro' } });
    }
    await signUp.closeAndFlush({ timeout: 20_000 });
    const activity = client();
    for (const { userId } of users) {
      for (let n = 0; n < tracksPerUser; n++) activity.track({ userId: `seg-${userId}`, event: `Step ${n}`, properties: { n } });
    }
    await activity.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);
    await eventually(() => users.every(({ userId }) => fake.tracksOf(`seg-${userId}`).length === tracksPerUser));
    expectTracksWithGroups('seg-');
    const upserts = fake.requests.filter((r) => r.body.type === 'group').map((r) => r.body.payload);
    expect(upserts).toContainEqual(expect.objectContaining({ id: 'org-0', name: 'ORG-0', properties: { plan: 'pro' } }));
  });

  it('@rudderstack/rudder-sdk-node (dataPlaneUrl, gzipped batches) delivers the same', async () => {
    const client = new RudderAnalytics(writeKey, { dataPlaneUrl: serve.url, flushAt: 25, flushInterval: 200, logLevel: 'error' });
    for (const { userId, groupId } of users) {
      const id = `rs-${userId}`;
      client.identify({ userId: id, traits: { email: `${id}@example.com` } });
      client.group({ userId: id, groupId, traits: { name: groupId } });
    }
    await client.flush();
    for (const { userId } of users) {
      for (let n = 0; n < tracksPerUser; n++) client.track({ userId: `rs-${userId}`, event: `Step ${n}`, properties: { n } });
    }
    await client.flush();
    await eventually(() => users.every(({ userId }) => fake.tracksOf(`rs-${userId}`).length === tracksPerUser));
    expectTracksWithGroups('rs-');
  });

  it('an SDK with a wrong write key is refused (401) and nothing is delivered', async () => {
    const before = fake.requests.length;
    const analytics = new Analytics({ writeKey: 'wk_wrong', host: serve.url, maxRetries: 0 });
    const errors: Array<{ code?: string; reason?: unknown }> = [];
    analytics.on('error', (error) => errors.push(error as { code?: string }));
    analytics.track({ userId: 'intruder', event: 'Nope' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors.length).toBe(1);
    expect(fake.requests.length).toBe(before);
    expect(serve.output()).not.toContain(writeKey);
  });
});
