import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDestination } from '../../src/entry/library/destination.js';
import { QueueFullError } from '../../src/index.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';

/** The library against an older self-hosted OpenPanel that answers 400 to `group` and `assign_group`. */
describe('createDestination().send against an OpenPanel without group support', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel({ basePath: '/api', rejectGroupCalls: true });
  });
  afterAll(() => fake.close());

  const group = (messageId: string) => ({ type: 'group', messageId, userId: 'u1', groupId: 'org_1', traits: { name: 'Org One', plan: 'pro' } });

  it("dead-letters the group calls without blocking the user's tracks, which still carry the group", async () => {
    const destination = createDestination({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url });
    const outcomes = await destination.send([
      group('g-1'),
      { type: 'track', messageId: 't-1', userId: 'u1', event: 'Report Exported' },
      { type: 'track', messageId: 't-2', userId: 'u1', event: 'session_start' },
      { type: 'alias', messageId: 'a-1', userId: 'u1', previousId: 'old' },
    ]);
    expect(outcomes.map((o) => [o.messageId, o.status])).toEqual([
      ['g-1', 'dead_lettered'],
      ['t-1', 'delivered'],
      ['t-2', 'rejected'],
      ['a-1', 'skipped'],
    ]);
    expect(outcomes[0]?.reason).toMatch(/group, assign_group: HTTP 400/);
    expect(fake.requests.map((r) => r.body)).toEqual([
      // Timed by its receipt: it has no time of its own (README, "Event time").
      { type: 'track', payload: { name: 'Report Exported', profileId: 'u1', groups: ['org_1'], properties: { __timestamp: expect.any(String) } } },
    ]);
    expect(fake.stats.rejected).toBe(2);
    // The same group call again: its upsert is not repeated (the first one waits in the dead letters for
    // `replay`), only the assignment is tried.
    const [again] = await destination.send([group('g-2')]);
    expect(again).toMatchObject({ status: 'dead_lettered', reason: expect.stringMatching(/^assign_group: HTTP 400/) });
    expect(fake.stats.rejected).toBe(3);
    expect(await destination.deadLetters.count()).toBe(2);
    await destination.close();
  });
});

describe('createDestination().send backpressure', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel({ latencyMs: 5 });
  });
  afterAll(() => fake.close());

  it('waits for room when maxQueuedEvents are queued, also with two sends at once', async () => {
    const destination = createDestination({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, maxQueuedEvents: 3 }, { batchSize: 2 });
    const batch = (prefix: string) =>
      Array.from({ length: 25 }, (_, i) => ({ type: 'track', messageId: `${prefix}-${i}`, userId: `${prefix}-user-${i % 4}`, event: 'Tick' }));
    const [a, b] = await Promise.all([destination.send(batch('a')), destination.send(batch('b'))]);
    expect([...(a ?? []), ...(b ?? [])].map((o) => o.status)).toEqual(Array(50).fill('delivered'));
    expect(fake.requests).toHaveLength(50);
    await destination.close();
  });
});

describe('createDestination().accept', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel({ latencyMs: 200 });
  });
  afterAll(() => fake.close());

  const tracks = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ type: 'track', messageId: `${prefix}-${i}`, userId: 'u1', event: 'Tick' }));

  it('resolves once committed, refuses a call beyond maxQueuedEvents with QueueFullError (nothing of it kept), and reports stats', async () => {
    const destination = createDestination({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, maxQueuedEvents: 5 });
    const accepted = await destination.accept([...tracks('a', 3), { type: 'track', userId: 'u1' }]);
    expect(accepted.map((o) => o.status)).toEqual(['accepted', 'accepted', 'accepted', 'rejected']);
    expect(accepted[3]?.reason).toMatch(/event/);
    expect(await destination.stats()).toMatchObject({ queuedEvents: 3, queuedRequests: 3, deadLetters: 0, oldestQueuedAt: expect.any(Number) });
    const refused = destination.accept(tracks('b', 3));
    await expect(refused).rejects.toBeInstanceOf(QueueFullError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
    expect((await destination.stats()).queuedEvents).toBeLessThanOrEqual(3);
    await destination.flush();
    expect(fake.requests.map((r) => (r.body.payload as { name: string }).name)).toEqual(['Tick', 'Tick', 'Tick']);
    expect(await destination.stats()).toMatchObject({ queuedEvents: 0, queuedRequests: 0 });
    expect(destination.health()).toEqual({ healthy: true, status: 'ok', ready: true });
    await destination.close();
  });

  it("send({ until: 'accepted' }) resolves before delivery; close leaves the rest queued", async () => {
    fake.reset();
    const destination = createDestination({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, concurrency: 1 });
    const outcomes = await destination.send(tracks('c', 4), { until: 'accepted' });
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(fake.requests.length).toBeLessThan(4);
    const left = await destination.close();
    // One user: one request at a time; the one on the wire finishes, the others stay queued.
    expect(left.queuedEvents + fake.requests.length).toBe(4);
    expect(left.deadLetters).toBe(0);
  });
});

describe('createDestination().close while a send waits for final outcomes', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel();
  });
  afterAll(() => fake.close());

  it('rejects that send naming what stays queued, instead of leaving it pending', async () => {
    const destination = createDestination({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url });
    fake.outage('503');
    const sending = destination.send([{ type: 'track', messageId: 'x-1', userId: 'u1', event: 'Tick' }]);
    const rejected = expect(sending).rejects.toThrow(/destination closed with 1 events still queued \(in memory: lost\)/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await destination.close({ deadlineMs: 200 });
    await rejected;
  });
});

describe('replay', () => {
  let old: FakeOpenPanel;
  let current: FakeOpenPanel;
  beforeAll(async () => {
    [old, current] = await Promise.all([startFakeOpenPanel({ rejectGroupCalls: true }), startFakeOpenPanel()]);
  });
  afterAll(() => Promise.all([old.close(), current.close()]));

  it('moves dead letters back into the outbox, oldest first, and delivers them once OpenPanel takes them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'op-replay-'));
    const calls = [
      { type: 'group', messageId: 'g-1', userId: 'u1', groupId: 'org_1', traits: { name: 'Org One' } },
      { type: 'group', messageId: 'g-2', userId: 'u1', groupId: 'org_2', traits: { name: 'Org Two' } },
      { type: 'track', messageId: 't-1', userId: 'u1', event: 'Report Exported' },
    ];
    const first = createDestination({ clientId: old.clientId, clientSecret: old.clientSecret, apiUrl: old.url }, { dataDir });
    expect((await first.send(calls)).map((o) => o.status)).toEqual(['dead_lettered', 'dead_lettered', 'delivered']);
    expect(await first.deadLetters.list({ limit: 1 })).toEqual([expect.objectContaining({ messageId: 'g-1' })]);
    const [oldest] = await first.deadLetters.list({ limit: 1 });
    expect(await first.deadLetters.list({ afterId: oldest!.id })).toEqual([expect.objectContaining({ messageId: 'g-2' })]);
    await first.close();

    const fixed = createDestination({ clientId: current.clientId, clientSecret: current.clientSecret, apiUrl: current.url }, { dataDir });
    expect(await fixed.replay()).toEqual({ delivered: 2, failed: 0 });
    expect(await fixed.stats()).toEqual({ queuedEvents: 0, queuedRequests: 0, deadLetters: 0 });
    const assigned = current.requests.filter((r) => r.body.type === 'assign_group').map((r) => r.body.payload);
    expect(assigned).toEqual([
      { groupIds: ['org_1'], profileId: 'u1' },
      { groupIds: ['org_2'], profileId: 'u1' },
    ]);
    expect(
      current.requests
        .filter((r) => r.body.type === 'group')
        .map((r) => (r.body.payload as { id: string }).id)
        .sort(),
    ).toEqual(['org_1', 'org_2']);
    expect(await fixed.replay()).toEqual({ delivered: 0, failed: 0 });
    await fixed.close();
  });
});
