import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryDeadLetterStore } from '../../../src/delivery/dead-letters.js';
import { MemoryDedupeStore } from '../../../src/delivery/dedupe.js';
import { Deliverer } from '../../../src/delivery/deliverer.js';
import { seededRandom } from '../../support/seeded-random.js';
import {
  apiUrl,
  assignGroup,
  fakeClock,
  fakeOpenPanel,
  group,
  heldSleep,
  job,
  networkError,
  newDeliverer,
  secret,
  testConfig,
  track,
  until,
  useNock,
  type Reply,
} from './harness.js';

const ok: Reply = [200, { deviceId: 'd', sessionId: 's' }];

useNock();

describe('Deliverer: answers', () => {
  it.each<[string, Reply]>([
    ['200 with JSON', ok],
    ['200 "Duplicate event"', [200, 'Duplicate event']],
    ['202 (taken for a bot, stored)', [202, { bot: { name: 'x' } }]],
  ])('%s is a delivery', async (_label, reply) => {
    const api = fakeOpenPanel(() => reply);
    const { deliverer, deadLetters } = newDeliverer(testConfig());
    expect(await deliverer.deliver(job(0, 'm1', 'u1', [track('Signed Up')]))).toEqual({ index: 0, messageId: 'm1', status: 'delivered', attempts: 1 });
    expect(api.received).toHaveLength(1);
    expect(await deadLetters.count()).toBe(0);
    await deliverer.close();
  });

  it.each<[string, Reply, RegExp]>([
    ['200 text (self-hosted, stores nothing)', [200, 'Ingestion: Invalid cors or secret'], /HTTP 200: Ingestion: Invalid cors or secret/],
    ['400', [400, { status: 400, error: 'Bad Request', message: 'Alias is not supported' }], /HTTP 400: .*Alias is not supported/],
    ['403', [403, 'Forbidden'], /HTTP 403: Forbidden/],
    ['404', [404, { message: 'Profile not found' }], /HTTP 404: .*Profile not found/],
    ['413', [413, 'Payload Too Large'], /HTTP 413/],
  ])('%s is dead-lettered at once, without retry', async (_label, reply, reason) => {
    const api = fakeOpenPanel(() => reply);
    const { deliverer, deadLetters } = newDeliverer(testConfig());
    const outcome = await deliverer.deliver(job(3, 'm1', 'u1', [track('Signed Up')]));
    expect(outcome).toMatchObject({ index: 3, status: 'dead_lettered', attempts: 1, reason: expect.stringMatching(reason) });
    expect(api.received).toHaveLength(1);
    const [record] = await deadLetters.list();
    expect(record).toMatchObject({ id: outcome.deadLetterId, messageId: 'm1', userKey: 'u1', index: 3, attempts: 1, requests: [track('Signed Up')] });
    expect(record?.lastResponse.status).toBe(reply[0]);
    expect(deliverer.health).toEqual({ healthy: true });
    await deliverer.close();
  });

  it('401 dead-letters and marks the destination unhealthy until a delivery succeeds again', async () => {
    fakeOpenPanel((_body, n) => (n === 1 ? [401, 'Unauthorized'] : ok));
    const { deliverer } = newDeliverer(testConfig());
    expect(await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'dead_lettered', attempts: 1 });
    expect(deliverer.health).toEqual({ healthy: false, reason: expect.stringMatching(/401.*clientId and clientSecret/) });
    expect(await deliverer.deliver(job(1, 'm2', 'u1', [track('B')]))).toMatchObject({ status: 'delivered' });
    expect(deliverer.health).toEqual({ healthy: true });
    await deliverer.close();
  });

  it.each<[string, Reply]>([
    ['408', [408, 'Request Timeout']],
    ['429', [429, 'Too Many Requests']],
    ['500', [500, 'Internal Server Error']],
    ['503', [503, 'Service Unavailable']],
  ])('%s is retried', async (_label, reply) => {
    const api = fakeOpenPanel((_body, n) => (n < 3 ? reply : ok));
    const { deliverer } = newDeliverer(testConfig());
    expect(await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(api.received).toHaveLength(3);
    await deliverer.close();
  });

  it.each([
    ['seconds', () => '30', 30_000],
    ['an HTTP date', (now: number) => new Date(now + 45_000).toUTCString(), 45_000],
  ])('429 with Retry-After as %s waits at least that long', async (_label, retryAfter, atLeast) => {
    const { clock, sleep, now } = fakeClock();
    fakeOpenPanel((_body, n) => (n === 1 ? [429, 'slow down', { 'retry-after': retryAfter(clock.time) }] : ok));
    const { deliverer } = newDeliverer(testConfig(), { sleep, now });
    expect(await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(clock.delays).toEqual([atLeast]);
    await deliverer.close();
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT'])('network error %s is retried', async (code) => {
    nock(apiUrl).post('/track').replyWithError(networkError(code)).post('/track').reply(200, { deviceId: 'd', sessionId: 's' });
    const { deliverer } = newDeliverer(testConfig());
    expect(await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'delivered', attempts: 2 });
    await deliverer.close();
  });

  it('a request that stays slow past timeoutMs is retried', async () => {
    nock(apiUrl).post('/track').delay(300).reply(200, { deviceId: 'd', sessionId: 's' }).post('/track').reply(200, { deviceId: 'd', sessionId: 's' });
    const { deliverer } = newDeliverer(testConfig({ timeoutMs: 50 }));
    expect(await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'delivered', attempts: 2 });
    await deliverer.close();
  });
});

describe('Deliverer: retry budget', () => {
  it('dead-letters after maxAttempts with the attempts and the last response', async () => {
    const api = fakeOpenPanel(() => [503, 'upstream down']);
    const { deliverer, deadLetters } = newDeliverer(testConfig({ maxAttempts: 3 }));
    const outcome = await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]));
    expect(outcome).toMatchObject({ status: 'dead_lettered', attempts: 3, reason: 'track: gave up after 3 attempts in 0s: HTTP 503: upstream down' });
    expect(api.received).toHaveLength(3);
    expect(await deadLetters.list()).toEqual([
      expect.objectContaining({ attempts: 3, lastResponse: { status: 503, body: 'upstream down' }, reason: outcome.reason, event: { type: 'track', messageId: 'm1', userId: 'u1' } }),
    ]);
    await deliverer.close();
  });

  it('dead-letters once the next retry would start after maxRetryAgeMs', async () => {
    const api = fakeOpenPanel(() => [500, 'boom']);
    // random 1: waits of 400 then 800 ms; the second would end past the 1 s budget.
    const { deliverer } = newDeliverer(testConfig({ maxRetryAgeMs: 1_000, backoffBaseMs: 400 }), { random: () => 1 });
    expect(await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'dead_lettered', attempts: 2, reason: expect.stringMatching(/retry budget 1s/) });
    expect(api.received).toHaveLength(2);
    await deliverer.close();
  });

  it('a network error exhausting the budget keeps its code in the dead letter', async () => {
    nock(apiUrl).post('/track').times(2).replyWithError(networkError('ECONNREFUSED'));
    const { deliverer, deadLetters } = newDeliverer(testConfig({ maxAttempts: 2 }));
    expect(await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'dead_lettered', reason: expect.stringMatching(/network error ECONNREFUSED/) });
    expect((await deadLetters.list())[0]?.lastResponse).toEqual({ code: 'ECONNREFUSED' });
    await deliverer.close();
  });

  it('with the default config, a stream with 20% transient failures is delivered without a dead letter', async () => {
    const failures = seededRandom(20);
    const api = fakeOpenPanel(() => (failures() < 0.2 ? [503, 'flaky'] : ok));
    const { deliverer, deadLetters } = newDeliverer(testConfig(), { random: seededRandom(7) });
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => deliverer.deliver(job(i, `m${i}`, `u${i % 10}`, [track('Page Viewed')]))));
    expect(outcomes.filter((outcome) => outcome.status !== 'delivered')).toEqual([]);
    expect(await deadLetters.count()).toBe(0);
    expect(api.received.length).toBeGreaterThan(200);
    await deliverer.close();
  });
});

describe('Deliverer: order', () => {
  it("holds a user's later events while one waits in backoff; other users go on, even with one slot", async () => {
    const held = heldSleep();
    let failFirst = true;
    const api = fakeOpenPanel((body) => {
      if (body.type === 'track' && body.payload.name === 'A1' && failFirst) {
        failFirst = false;
        return [503, 'busy'];
      }
      return ok;
    });
    const { deliverer } = newDeliverer(testConfig({ concurrency: 1 }), { sleep: held.sleep });
    const a1 = deliverer.deliver(job(0, 'a1', 'userA', [track('A1', 'userA')]));
    const a2 = deliverer.deliver(job(1, 'a2', 'userA', [track('A2', 'userA')]));
    const b1 = deliverer.deliver(job(2, 'b1', 'userB', [track('B1', 'userB')]));
    await until(() => held.waiting === 1);
    expect(await b1).toMatchObject({ status: 'delivered' });
    expect(api.names()).toEqual(['A1', 'B1']);
    held.release();
    expect(await a1).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(await a2).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(api.names()).toEqual(['A1', 'B1', 'A1', 'A2']);
    await deliverer.close();
  });

  it("sends an event's requests in order: group, then assign_group, then track", async () => {
    const api = fakeOpenPanel((body, n) => (body.type === 'group' && n === 1 ? [500, 'retry me'] : ok));
    const { deliverer } = newDeliverer(testConfig());
    const requests = [group('acme'), assignGroup('acme'), track('Joined')];
    expect(await deliverer.deliver(job(0, 'm1', 'u1', requests))).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(api.names()).toEqual(['group', 'group', 'assign_group', 'Joined']);
    await deliverer.close();
  });

  it("an old OpenPanel rejecting group calls (400) dead-letters only those; track events and the user's next events go through", async () => {
    const api = fakeOpenPanel((body) => (body.type === 'track' ? ok : [400, 'Invalid type']));
    const { deliverer, deadLetters } = newDeliverer(testConfig());
    const first = deliverer.deliver(job(0, 'm1', 'u1', [group('acme'), assignGroup('acme'), track('Joined')]));
    const second = deliverer.deliver(job(1, 'm2', 'u1', [track('Clicked')]));
    expect(await first).toMatchObject({ status: 'dead_lettered', reason: '2 of 3 requests not delivered: group, assign_group: HTTP 400: Invalid type' });
    expect(await second).toMatchObject({ status: 'delivered' });
    expect(api.names()).toEqual(['group', 'assign_group', 'Joined', 'Clicked']);
    expect((await deadLetters.list())[0]?.requests).toEqual([group('acme'), assignGroup('acme')]);
    await deliverer.close();
  });

  it('after a transient give-up, the rest of the event is dead-lettered without being sent', async () => {
    const api = fakeOpenPanel(() => [503, 'down']);
    const { deliverer, deadLetters } = newDeliverer(testConfig({ maxAttempts: 2 }));
    const outcome = await deliverer.deliver(job(0, 'm1', 'u1', [group('acme'), assignGroup('acme')]));
    expect(outcome).toMatchObject({ status: 'dead_lettered', attempts: 2, reason: expect.stringMatching(/^group: gave up.*; assign_group: not attempted/) });
    expect(api.names()).toEqual(['group', 'group']);
    expect((await deadLetters.list())[0]?.requests).toEqual([group('acme'), assignGroup('acme')]);
    await deliverer.close();
  });
});

describe('Deliverer: dedupe', () => {
  it('delivers a messageId once; a copy is skipped without a request', async () => {
    const api = fakeOpenPanel();
    const { deliverer } = newDeliverer(testConfig());
    const first = deliverer.deliver(job(0, 'same', undefined, [track('A')]));
    const copy = deliverer.deliver(job(1, 'same', undefined, [track('A')]));
    expect(await first).toMatchObject({ status: 'delivered' });
    expect(await copy).toEqual({ index: 1, messageId: 'same', status: 'skipped', reason: 'duplicate: messageId same was already delivered', attempts: 0 });
    expect(api.received).toHaveLength(1);
    await deliverer.close();
  });

  it('a re-sent event after a partial failure sends only what was not delivered', async () => {
    let fixed = false;
    const api = fakeOpenPanel((body) => (body.type === 'assign_group' && !fixed ? [400, 'Invalid type'] : ok));
    const { deliverer } = newDeliverer(testConfig());
    const requests = [group('acme'), assignGroup('acme'), track('Joined')];
    expect(await deliverer.deliver(job(0, 'm1', 'u1', requests))).toMatchObject({ status: 'dead_lettered' });
    fixed = true;
    expect(await deliverer.deliver(job(0, 'm1', 'u1', requests))).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(api.names()).toEqual(['group', 'assign_group', 'Joined', 'assign_group']);
    await deliverer.close();
  });
});

describe('Deliverer: secret', () => {
  it('sends the client secret to OpenPanel but never keeps it in outcomes or dead letters', async () => {
    const api = fakeOpenPanel(() => [400, `bad request: openpanel-client-secret=${secret}`]);
    const { deliverer, deadLetters } = newDeliverer(testConfig());
    const request = track('A');
    const outcome = await deliverer.deliver(job(0, 'm1', 'u1', [request]));
    expect(api.received[0]?.headers).toMatchObject({ 'openpanel-client-secret': secret, 'content-type': 'application/json' });
    expect(request.headers).not.toHaveProperty('openpanel-client-secret');
    const kept = JSON.stringify([outcome, await deadLetters.list()]);
    expect(kept).toContain('[redacted]');
    expect(kept).not.toContain(secret);
    await deliverer.close();
  });
});

describe('Deliverer: drain and close', () => {
  it('drain resolves once every job has its outcome', async () => {
    fakeOpenPanel((_body, n) => (n % 2 ? [500, 'again'] : ok));
    const { deliverer } = newDeliverer(testConfig());
    const settled: string[] = [];
    for (let i = 0; i < 5; i++) void deliverer.deliver(job(i, `m${i}`, `u${i % 2}`, [track('A')])).then((o) => settled.push(o.status));
    await deliverer.drain();
    expect(settled).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
    await deliverer.close();
  });

  it('close dead-letters what the deadline leaves pending, in backoff or queued, and anything handed in later', async () => {
    fakeOpenPanel(() => [503, 'busy']);
    const held = heldSleep();
    const { deliverer, deadLetters } = newDeliverer(testConfig(), { sleep: held.sleep });
    const inBackoff = deliverer.deliver(job(0, 'm1', 'u1', [track('A'), track('B')]));
    const queued = deliverer.deliver(job(1, 'm2', 'u1', [track('C')]));
    await until(() => held.waiting === 1);
    await deliverer.close(10);
    expect(await inBackoff).toMatchObject({ status: 'dead_lettered', attempts: 1, reason: 'track: shutdown before delivery (last: HTTP 503: busy); shutdown before delivery' });
    expect(await queued).toMatchObject({ status: 'dead_lettered', attempts: 0, reason: 'shutdown before delivery' });
    expect(await deliverer.deliver(job(2, 'm3', 'u2', [track('D')]))).toMatchObject({ status: 'dead_lettered', reason: 'shutdown before delivery' });
    expect((await deadLetters.list()).map((record) => record.requests.length)).toEqual([2, 1, 1]);
  });

});

describe('Deliverer: default transport (undici) against a local OpenPanel', () => {
  let server: Server;
  let answer: (res: ServerResponse) => void;
  const bodies: unknown[] = [];

  beforeAll(async () => {
    nock.enableNetConnect('127.0.0.1');
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    nock.disableNetConnect();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const localDeliverer = () => {
    const config = testConfig({ apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api` });
    const deadLetters = new MemoryDeadLetterStore();
    return { deadLetters, deliverer: new Deliverer({ config, dedupe: new MemoryDedupeStore(config), deadLetters }) };
  };

  it('delivers', async () => {
    answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"deviceId":"d","sessionId":"s"}');
    const { deliverer } = localDeliverer();
    expect(await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'delivered' });
    await deliverer.close();
    expect(bodies).toEqual([track('A').body]);
  });

  it('close cuts a request still on the wire at the deadline and dead-letters it', async () => {
    let arrived!: () => void;
    const onWire = new Promise<void>((resolve) => (arrived = resolve));
    answer = () => arrived();
    const { deliverer, deadLetters } = localDeliverer();
    const pending = deliverer.deliver(job(0, 'm2', 'u1', [track('B')]));
    await onWire;
    await deliverer.close(20);
    expect(await pending).toMatchObject({ status: 'dead_lettered', reason: 'shutdown before delivery' });
    expect(await deadLetters.count()).toBe(1);
  });
});
