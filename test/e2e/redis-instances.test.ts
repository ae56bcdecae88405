import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TrackPayload } from '../../src/openpanel/contract.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { startInstance, type Instance } from '../support/redis-instance.js';
import { deleteKeys, testPrefix, testRedisUrl } from '../support/redis.js';
import { doublesBoundPerKill } from '../support/doubles-bound.js';

jest.setTimeout(120_000);

const USERS = 30;
const TRACKS_PER_USER = 80;
const BATCH = 25;
const CONCURRENCY = 8;
const T0 = Date.parse('2026-01-05T10:00:00.000Z');
const groupOf = (u: number): string => `org-${u % 6}`;

/** One interleaved stream: every user's group call, then their tracks, users interleaved (as a CDP forwards them). */
function stream(): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (let u = 0; u < USERS; u++) {
    events.push({
      type: 'group',
      messageId: `g-${u}`,
      userId: `user-${u}`,
      groupId: groupOf(u),
      traits: { name: `Org ${u % 6}`, seats: u },
      timestamp: new Date(T0 + u).toISOString(),
    });
  }
  for (let i = 0; i < TRACKS_PER_USER; i++) {
    for (let u = 0; u < USERS; u++) {
      events.push({
        type: 'track',
        messageId: `t-${u}-${i}`,
        userId: `user-${u}`,
        event: 'Step Done',
        properties: { seq: i },
        timestamp: new Date(T0 + 1_000 + i * 100 + u).toISOString(),
      });
    }
  }
  return events;
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('three instances on one Redis, one killed with -9 mid-stream', () => {
  const prefix = testPrefix('instances');
  let fake: FakeOpenPanel;
  let instances: Instance[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenPanel({ latencyMs: 5 });
    const config = {
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      apiUrl: fake.url,
      concurrency: CONCURRENCY,
      // The lease is the request timeout + 5 s: the dead instance's lanes move to the others after it.
      timeoutMs: 1_000,
      store: { type: 'redis' as const, url: testRedisUrl, prefix },
    };
    instances = await Promise.all([startInstance(config), startInstance(config), startInstance(config)]);
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await fake?.close();
    await deleteKeys(prefix);
  });

  it('delivers every event in per-user order with its groups; only requests on the wire at the kill are doubled', async () => {
    const events = stream();
    const batches: Array<typeof events> = [];
    for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
    const victim = instances[1]!;
    let live = [...instances];
    const killAt = Math.floor(batches.length * 0.4);

    // A sequential client behind a round-robin load balancer: each batch goes to the next live instance once
    // the previous one is acknowledged; a batch whose instance dies unacknowledged is sent again elsewhere.
    for (let b = 0; b < batches.length; b++) {
      const target = live[b % live.length]!;
      if (b === killAt) {
        await until(() => fake.requests.length > 200, 'delivery under way');
        const pending = victim.accept(batches[b]!).catch(() => undefined);
        await victim.kill('SIGKILL');
        await pending;
        live = live.filter((instance) => instance !== victim);
        await live[0]!.accept(batches[b]!);
        continue;
      }
      const outcomes = await target.accept(batches[b]!);
      expect(outcomes.every((o) => o.status === 'accepted')).toBe(true);
    }

    const tracksOf = (u: number): TrackPayload[] => fake.tracksOf(`user-${u}`);
    const allThere = (): boolean =>
      Array.from({ length: USERS }, (_, u) => new Set(tracksOf(u).map((t) => t.properties?.seq)).size).every((n) => n === TRACKS_PER_USER);
    await until(allThere, 'every track at OpenPanel');

    let doubled = 0;
    for (let u = 0; u < USERS; u++) {
      const seqs = tracksOf(u).map((t) => t.properties?.seq as number);
      // A request re-sent after the kill follows its own first copy: drop adjacent repeats, the rest is in order.
      const once = seqs.filter((seq, i) => i === 0 || seq !== seqs[i - 1]);
      doubled += seqs.length - once.length;
      expect(once).toEqual(Array.from({ length: TRACKS_PER_USER }, (_, i) => i));
      for (const track of tracksOf(u)) expect(track.groups).toEqual([groupOf(u)]);
    }
    const others = fake.requests.filter((r) => r.body.type !== 'track').map((r) => JSON.stringify(r.body));
    doubled += others.length - new Set(others).size;
    const assigned = fake.requests.flatMap((r) => (r.body.type === 'assign_group' ? [`${r.body.payload.profileId}>${r.body.payload.groupIds.join()}`] : []));
    expect(new Set(assigned)).toEqual(new Set(Array.from({ length: USERS }, (_, u) => `user-${u}>${groupOf(u)}`)));
    // Each group's upserts go out in the order their traits were seen: the group OpenPanel holds (its upserts
    // merged in arrival order, stored values being strings) has the latest traits.
    for (let g = 0; g < 6; g++) {
      const latest = Math.max(...Array.from({ length: USERS }, (_, u) => u).filter((u) => u % 6 === g));
      expect(fake.groups.get(`org-${g}`)?.properties.seats).toBe(String(latest));
    }
    // At most what the dead instance had handed to its sender and not yet written (docs/outbox.md "Delivery").
    expect(doubled).toBeLessThanOrEqual(doublesBoundPerKill(CONCURRENCY));
  });
});
