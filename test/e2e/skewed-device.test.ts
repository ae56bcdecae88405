import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, writeConfig, type ServeProcess } from '../../scripts/serve-process.js';
import { eventually } from '../support/eventually.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';

/**
 * A phone whose clock is 2 h behind posts a track to the built CLI's `serve` (`/v1/batch`, as an SDK does, with
 * the batch's sentAt) right after a server-side group call for its user. Membership goes by event time, so with
 * the device's own time the track would come 2 h before the assignment and carry no group; corrected at intake
 * as Segment does (timestamp = receivedAt − (sentAt − timestamp)) it carries the group, and is dated by our clock.
 */
jest.setTimeout(30_000);
const writeKey = 'wk_skew_e2e_4b1d';
const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('a device with a skewed clock, straight to serve', () => {
  let fake: FakeOpenPanel;
  let serve: ServeProcess;
  const dataDir = mkdtempSync(join(tmpdir(), 'op-skew-'));
  beforeAll(async () => {
    fake = await startFakeOpenPanel();
    const config = writeConfig({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, writeKey });
    serve = await startServe(['--config', config, '--host', '127.0.0.1', '--data-dir', dataDir]);
  });
  afterAll(async () => {
    await serve.stop();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (body: unknown): Promise<Response> =>
    fetch(`${serve.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
      body: JSON.stringify(body),
    });

  it('the track carries the group its user joined server-side, timed by our clock', async () => {
    const now = Date.now();
    // The backend (right clock) puts the user in the group, 5 s ago.
    const group = { type: 'group', messageId: 'skew-group', userId: 'u-phone', groupId: 'org_acme', traits: { name: 'Acme' }, timestamp: iso(now - 5_000) };
    expect((await post({ batch: [group], sentAt: iso(now) })).status).toBe(200);
    // The phone, 2 h behind, sends a track it recorded 1 s before sending.
    const device = now - 2 * HOUR;
    const track = {
      type: 'track',
      messageId: 'skew-track',
      userId: 'u-phone',
      anonymousId: 'phone-1',
      event: 'Report Exported',
      timestamp: iso(device - 1_000),
    };
    const sent = Date.now();
    expect((await post({ batch: [track], sentAt: iso(device) })).status).toBe(200);

    await eventually(() => fake.tracksOf('u-phone').length === 1);
    const [stored] = fake.tracksOf('u-phone');
    expect(stored).toMatchObject({ name: 'Report Exported', groups: ['org_acme'] });
    // Received between `sent` and now; the event happened 1 s before its receipt.
    const at = Date.parse(String(stored!.properties?.['__timestamp']));
    expect(at).toBeGreaterThanOrEqual(sent - 1_000);
    expect(at).toBeLessThanOrEqual(Date.now() - 1_000);
  });
});
