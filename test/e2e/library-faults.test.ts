import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createDestination } from '../../src/entry/library/destination.js';
import { type AttemptReport } from '../../src/index.js';
import type { OpenPanelBody } from '../../src/openpanel/contract.js';
import { generateEvents } from '../support/event-stream.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';

/**
 * A long-running destination (library, serve) starved: an OpenPanel outage longer than a minute, and refused
 * credentials. Time runs 60x faster through the destination's clock and sleeps, so a simulated hour of default
 * backoff (capped at 5 minutes) costs a minute of wall time and a two-minute outage two seconds.
 */
jest.setTimeout(60_000);
const SCALE = 60;
const events = generateEvents({ users: 20, eventsPerUser: 10, seed: 5 });

function scaledClock() {
  const start = Date.now();
  return {
    now: () => start + (Date.now() - start) * SCALE,
    sleep: (ms: number, signal: AbortSignal) => delay(ms / SCALE, undefined, { signal }).catch(() => undefined),
  };
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await delay(20);
}

/** Each profile's bodies in the order they were stored. */
function perProfile(bodies: OpenPanelBody[]): Map<string, string[]> {
  const byProfile = new Map<string, string[]>();
  for (const body of bodies) {
    if (body.type === 'group' || !('profileId' in body.payload) || body.payload.profileId === undefined) continue;
    const profile = String(body.payload.profileId);
    byProfile.set(profile, [...(byProfile.get(profile) ?? []), JSON.stringify(body)]);
  }
  return byProfile;
}

describe('a destination starved of OpenPanel', () => {
  let fake: FakeOpenPanel;
  let expected: OpenPanelBody[];
  beforeAll(async () => {
    fake = await startFakeOpenPanel();
    const dryRun = createDestination({ clientId: fake.clientId, clientSecret: fake.clientSecret });
    expected = (await dryRun.transform(events)).flatMap((r) => (r.status === 'ok' ? r.requests.map((q) => q.body) : []));
    await dryRun.close();
  });
  afterAll(() => fake.close());

  it('rides out a 2-minute outage with the default retry budget: no dead letter, each user in order', async () => {
    fake.reset();
    const clock = scaledClock();
    const attempts: AttemptReport[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'op-outage-'));
    const destination = createDestination(
      { clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, concurrency: 8 },
      { dataDir, ...clock, observer: { onAttempt: (a) => attempts.push(a) } },
    );
    fake.outage('503');
    const outageStart = clock.now();
    const outcomes = destination.send(events);
    await until(() => clock.now() - outageStart > 2 * 60_000);
    fake.outage(undefined);
    const outageMs = clock.now() - outageStart;
    const final = await outcomes;
    const recoveredMs = clock.now() - outageStart;
    expect(final.filter((o) => o.status !== 'delivered' && o.status !== 'skipped')).toEqual([]);
    expect(await destination.stats()).toEqual({ queuedEvents: 0, queuedRequests: 0, deadLetters: 0 });
    expect(attempts.filter((a) => a.result === 'retry' && a.status === 503).length).toBeGreaterThan(8);
    expect(fake.requests.length).toBe(expected.length);
    expect(perProfile(fake.requests.map((r) => r.body))).toEqual(perProfile(expected));
    process.stdout.write(
      `outage of ${Math.round(outageMs / 1000)} simulated s: all ${final.length} events final ${Math.round((recoveredMs - outageMs) / 1000)} simulated s after it ended, ${attempts.length} attempts, no dead letter\n`,
    );
    await destination.close();
  });

  it('pauses on a 401 (degraded, events queued, no flood), probes, and resumes when the credentials work again', async () => {
    fake.reset();
    const dataDir = mkdtempSync(join(tmpdir(), 'op-401-'));
    const destination = createDestination(
      { clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, concurrency: 8, pauseProbeMs: 100 },
      { dataDir },
    );
    fake.outage('401');
    const accepted = await destination.send(events, { until: 'accepted' });
    const queued = accepted.filter((o) => o.status === 'accepted').length;
    await until(() => !destination.health().healthy);
    expect(destination.health()).toEqual({
      healthy: false,
      status: 'degraded',
      reason: expect.stringMatching(/^OpenPanel refused the credentials \(HTTP 401/),
      cause: 'credentials',
      ready: false,
    });
    await delay(500);
    // Refused: the requests in flight at the first 401, then one probe every 100 ms; nothing dead-lettered.
    expect(fake.stats.rejected).toBeLessThan(8 + 10);
    expect(await destination.stats()).toMatchObject({ queuedEvents: queued, deadLetters: 0 });
    fake.outage(undefined);
    await destination.flush();
    expect(destination.health()).toEqual({ healthy: true, status: 'ok', ready: true });
    expect(await destination.stats()).toEqual({ queuedEvents: 0, queuedRequests: 0, deadLetters: 0 });
    expect(fake.requests.length).toBe(expected.length);
    expect(perProfile(fake.requests.map((r) => r.body))).toEqual(perProfile(expected));
    await destination.close();
  });
});
