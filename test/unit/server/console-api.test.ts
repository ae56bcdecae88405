import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteKeys, testPrefix, testRedisUrl } from '../../support/redis.js';
import { adminToken, basic, drained, eventually, startTestServer, webhookSecret, writeKey, type TestServer } from './harness.js';

const admin = { authorization: `Bearer ${adminToken}` };
const refused = 'Plan Changed (legacy)';

describe('console API', () => {
  let t: TestServer;
  const get = async (path: string) => {
    const answer = await t.request('GET', path, undefined, admin);
    expect(answer.status).toBe(200);
    return answer.json();
  };
  const post = (path: string, body: unknown = {}) => t.request('POST', path, body, admin);

  beforeAll(async () => {
    t = await startTestServer({ console: true });
    t.fake.refuse((body) => (body.type === 'track' && body.payload.name === refused ? 'Event name contains blocked content' : undefined));
    const batch = [
      { type: 'group', messageId: 'c-g1', userId: 'u-1', groupId: 'acme', traits: { name: 'Acme' }, timestamp: '2026-01-05T10:00:00.000Z' },
      // A secret pasted into an event by mistake is never shown back.
      { type: 'track', messageId: 'c-t1', userId: 'u-1', event: 'Seat Added', properties: { note: `key ${writeKey}` } },
      { type: 'track', messageId: 'c-t2', userId: 'u-1', event: refused, properties: { plan: 'pro' } },
      { type: 'track', messageId: 'c-t3', userId: 'u-2', event: refused },
      { type: 'track', messageId: 'c-bad', userId: 'u-2' },
    ];
    await t.request('POST', '/v1/batch', { batch }, { authorization: basic(writeKey) });
    await drained(t);
  });
  afterAll(() => t.close());

  it('overview: queue and dead letters from the store, rates and latency of this instance', async () => {
    const overview = await get('/console/api/overview');
    expect(overview.instance).toBe('test-instance');
    expect(overview.queue).toEqual({ queuedEvents: 0, queuedRequests: 0, oldestQueuedAgeMs: null, deadLetters: 2 });
    expect(overview.rates.minutes).toHaveLength(60);
    const total = (name: string) => overview.rates[name].reduce((a: number, b: number) => a + b, 0);
    expect({ received: total('received'), delivered: total('delivered'), deadLettered: total('deadLettered') }).toEqual({
      received: 5,
      delivered: 2,
      deadLettered: 2,
    });
    expect(overview.latency.request.samples).toBe(5);
    expect(overview.latency.request.p95Ms).toEqual(expect.any(Number));
  });

  it('live events: each with its requests and outcome, only what changed since the last poll, no secret', async () => {
    const first = await get('/console/api/live');
    expect(first.instance).toBe('test-instance');
    const byMessage = new Map(first.events.map((e: { messageId?: string }) => [e.messageId, e]));
    expect(byMessage.get('c-g1')).toMatchObject({
      type: 'group',
      user: 'u-1',
      name: 'acme',
      status: 'delivered',
      requests: [{ body: { type: 'group' } }, { body: { type: 'assign_group' } }],
    });
    expect(byMessage.get('c-t2')).toMatchObject({
      status: 'dead_lettered',
      reason: expect.stringContaining('Event name contains blocked content'),
      requests: [
        { status: 'failed', attempts: 1, last: { status: 400, body: expect.stringContaining('blocked content') }, body: { payload: { groups: ['acme'] } } },
      ],
    });
    expect(byMessage.get('c-bad')).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/event/), requests: [] });
    const text = JSON.stringify(first);
    expect(text).toContain('key ***');
    for (const secret of [writeKey, t.fake.clientSecret, adminToken, webhookSecret]) expect(text).not.toContain(secret);
    expect((await get(`/console/api/live?since=${first.seq}`)).events).toEqual([]);
    expect((await t.request('GET', '/console/api/live?since=-1', undefined, admin)).status).toBe(400);
  });

  /** The dead letter of an event (users' lanes deliver independently: the order between users is not fixed). */
  const deadLetterOf = async (messageId: string) =>
    (await get('/console/api/dead-letters')).deadLetters.find((d: { messageId: string }) => d.messageId === messageId);

  it('dead letters: paged, opened one by one', async () => {
    const page = await get('/console/api/dead-letters?limit=1');
    expect(page.total).toBe(2);
    expect(page.deadLetters).toHaveLength(1);
    const second = await get(`/console/api/dead-letters?limit=1&after=${page.next}`);
    expect([...page.deadLetters, ...second.deadLetters].map((d: { messageId: string }) => d.messageId).sort()).toEqual(['c-t2', 'c-t3']);
    expect(second.next).toBe(second.deadLetters[0].id);
    expect((await get(`/console/api/dead-letters?limit=1&after=${second.next}`)).deadLetters).toEqual([]);
    const one = await get(`/console/api/dead-letters/${(await deadLetterOf('c-t2')).id}`);
    expect(one).toMatchObject({ messageId: 'c-t2', attempts: 1, lastResponse: { status: 400 }, event: { event: refused } });
    expect((await t.request('GET', '/console/api/dead-letters/nope', undefined, admin)).status).toBe(404);
  });

  it('replays one as it was: refused again, it is a dead letter again', async () => {
    const record = await deadLetterOf('c-t2');
    const answer = await post(`/console/api/dead-letters/${record.id}/replay`);
    expect(answer.json()).toMatchObject({ messageId: 'c-t2', status: 'dead_lettered', attempts: 2 });
    const after = await get('/console/api/dead-letters');
    // The new record is the newest.
    expect(after.deadLetters.map((d: { messageId: string }) => d.messageId)).toEqual(['c-t3', 'c-t2']);
    expect((await post(`/console/api/dead-letters/${record.id}/replay`)).status).toBe(404);
  });

  it('keeps the dead letter when the fixed copy is itself rejected', async () => {
    const record = await deadLetterOf('c-t3');
    const answer = await post(`/console/api/dead-letters/${record.id}/replay`, { event: { type: 'track', userId: 'u-2' } });
    expect(answer.status).toBe(400);
    expect(answer.json().message).toMatch(/the fixed event is rejected, the dead letter is kept: .*event/);
    expect((await get('/console/api/dead-letters')).total).toBe(2);
  });

  it("delivers a fixed copy under the dead letter's messageId (whatever messageId the copy has)", async () => {
    const record = await deadLetterOf('c-t2');
    const accepted = t.fake.stats.accepted;
    const answer = await post(`/console/api/dead-letters/${record.id}/replay`, { event: { ...record.event, event: 'Plan Changed', messageId: 'ignored' } });
    expect(answer.json()).toMatchObject({ messageId: 'c-t2', status: 'delivered' });
    expect(t.fake.stats.accepted).toBe(accepted + 1);
    expect(t.fake.tracksOf('u-1').at(-1)).toMatchObject({ name: 'Plan Changed', properties: { plan: 'pro' }, groups: ['acme'] });
    expect((await get('/console/api/dead-letters')).total).toBe(1);
    // Each time the event was taken is a live entry: first, replayed as it was, the fixed copy.
    const live = await get('/console/api/live');
    const taken = live.events.filter((e: { messageId?: string }) => e.messageId === 'c-t2');
    expect(taken.map((e: { status: string; event: { event: string } }) => [e.status, e.event.event])).toEqual([
      ['dead_lettered', refused],
      ['dead_lettered', refused],
      ['delivered', 'Plan Changed'],
    ]);
  });

  it('replays all', async () => {
    t.fake.refuse(undefined);
    expect((await post('/console/api/dead-letters/replay')).json()).toEqual({ delivered: 1, failed: 0 });
    expect((await get('/console/api/dead-letters')).total).toBe(0);
  });

  it("looks up a user's groups with the time each was assigned, and a group as OpenPanel holds it", async () => {
    expect(await get('/console/api/users/u-1')).toEqual({
      key: 'u-1',
      groups: [{ groupId: 'acme', name: 'Acme', type: 'company', assignedAt: '2026-01-05T10:00:00.000Z' }],
    });
    expect(await get('/console/api/users/nobody')).toEqual({ key: 'nobody', groups: [] });
    // A later partial call (only what changed) keeps the name and merges the properties, as OpenPanel does.
    await t.request(
      'POST',
      '/v1/batch',
      { batch: [{ type: 'group', messageId: 'c-g2', userId: 'u-1', groupId: 'acme', traits: { plan: 'pro' } }] },
      { authorization: basic(writeKey) },
    );
    await drained(t);
    expect(await get('/console/api/groups/acme')).toEqual({
      groupId: 'acme',
      name: 'Acme',
      type: 'company',
      properties: { plan: 'pro' },
      updatedAt: expect.stringMatching(/^\d{4}-/),
    });
    const missing = await t.request('GET', '/console/api/groups/nope', undefined, admin);
    expect(missing.status).toBe(404);
    expect(missing.json().message).toMatch(/no group nope/);
  });

  it('event tester: the requests with current membership, nothing sent or remembered', async () => {
    const received = t.fake.stats.received;
    const { results } = await (
      await post('/console/api/test', {
        batch: [
          { type: 'group', userId: 'u-9', groupId: 'globex' },
          { type: 'track', userId: 'u-1', event: 'Exported' },
        ],
      })
    ).json();
    expect(results).toMatchObject([
      { status: 'ok', requests: [{ body: { type: 'assign_group', payload: { groupIds: ['globex'], profileId: 'u-9' } } }] },
      { status: 'ok', requests: [{ body: { type: 'track', payload: { name: 'Exported', groups: ['acme'] } } }] },
    ]);
    expect(await get('/console/api/users/u-9')).toEqual({ key: 'u-9', groups: [] });
    expect(t.fake.stats.received).toBe(received);
    expect((await post('/console/api/test', '"not an event"')).status).toBe(400);
  });
});

describe('console of several instances on one Redis', () => {
  const prefix = testPrefix('console');
  const store = { type: 'redis' as const, url: testRedisUrl, prefix };
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ console: { instanceId: 'instance-a' }, config: { store } });
    b = await startTestServer({ console: { instanceId: 'instance-b' }, config: { store, apiUrl: a.fake.url } });
    a.fake.refuse((body) => (body.type === 'track' ? 'refused by this test' : undefined));
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await deleteKeys(prefix);
  });

  it('show the same shared figures, and per-instance ones labelled with their instance', async () => {
    const batch = [
      { type: 'group', messageId: 'r-g1', userId: 'u-r', groupId: 'initech', traits: { name: 'Initech' } },
      { type: 'track', messageId: 'r-t1', userId: 'u-r', event: 'Refused' },
    ];
    await a.request('POST', '/v1/batch', { batch }, { authorization: basic(writeKey) });
    const overview = (t: TestServer) => t.request('GET', '/console/api/overview', undefined, admin).then((r) => r.json());
    await eventually(async () => (await overview(b)).queue.deadLetters === 1);
    const [fromA, fromB] = [await overview(a), await overview(b)];
    expect(fromA.queue).toEqual(fromB.queue);
    expect([fromA.instance, fromB.instance]).toEqual(['instance-a', 'instance-b']);
    const users = (t: TestServer) => t.request('GET', '/console/api/users/u-r', undefined, admin).then((r) => r.json());
    expect(await users(b)).toEqual(await users(a));
    expect((await users(b)).groups.map((g: { groupId: string }) => g.groupId)).toEqual(['initech']);
    const live = (t: TestServer) => t.request('GET', '/console/api/live', undefined, admin).then((r) => r.json());
    // Events show where they were taken.
    expect((await live(a)).events.map((e: { messageId: string }) => e.messageId)).toEqual(['r-g1', 'r-t1']);
    expect((await live(b)).events).toEqual([]);
    const dl = (await b.request('GET', '/console/api/dead-letters', undefined, admin)).json();
    expect(dl.deadLetters.map((d: { messageId: string }) => d.messageId)).toEqual(['r-t1']);
  });
});
