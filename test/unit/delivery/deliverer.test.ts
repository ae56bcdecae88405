import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationConfigInput } from '../../../src/config/schema.js';
import { seededRandom } from '../../support/seeded-random.js';
import {
  apiUrl,
  assignGroup,
  fakeClock,
  fakeOpenPanel,
  group,
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
    const { deliverer, deliver, deadLetters } = newDeliverer(testConfig());
    expect(await deliver(job(0, 'm1', 'u1', [track('Signed Up')]))).toEqual({ index: 0, messageId: 'm1', status: 'delivered', attempts: 1 });
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
    const { deliverer, deliver, deadLetters } = newDeliverer(testConfig());
    const outcome = await deliver(job(3, 'm1', 'u1', [track('Signed Up')]));
    expect(outcome).toMatchObject({ index: 3, status: 'dead_lettered', attempts: 1, reason: expect.stringMatching(reason) });
    expect(api.received).toHaveLength(1);
    const [record] = await deadLetters.list();
    expect(record).toMatchObject({ id: outcome.deadLetterId, messageId: 'm1', userKey: 'u1', index: 3, attempts: 1, requests: [track('Signed Up')] });
    expect(record?.lastResponse.status).toBe(reply[0]);
    expect(deliverer.health).toEqual({ healthy: true, status: 'ok', ready: true });
    await deliverer.close();
  });

  it('401 pauses delivery with the event kept queued, probes every pauseProbeMs and resumes when a request is accepted', async () => {
    const { clock, sleep, now } = fakeClock();
    const api = fakeOpenPanel((_body, n) => (n <= 2 ? [401, 'Unauthorized'] : ok));
    const { deliverer, deliver, deadLetters, outbox } = newDeliverer(testConfig({ pauseProbeMs: 5_000 }), { sleep, now });
    const outcome = deliver(job(0, 'm1', 'u1', [track('A')]));
    await until(() => !deliverer.health.healthy);
    expect(deliverer.health).toEqual({
      healthy: false,
      status: 'degraded',
      reason: expect.stringMatching(/401.*clientId and clientSecret/),
      cause: 'credentials',
      ready: false,
    });
    // Refused attempts are not spent from the retry budget: the request waits, queued, for credentials that work.
    expect(await outcome).toEqual({ index: 0, messageId: 'm1', status: 'delivered', attempts: 1 });
    expect(api.received).toHaveLength(3);
    expect(clock.delays).toEqual([5_000, 5_000]);
    expect(await deadLetters.count()).toBe(0);
    expect((await outbox.stats()).queuedEvents).toBe(0);
    expect(deliverer.health).toEqual({ healthy: true, status: 'ok', ready: true });
    await deliverer.close();
  });

  it.each<[string, Reply]>([
    ['408', [408, 'Request Timeout']],
    ['429', [429, 'Too Many Requests']],
    ['500', [500, 'Internal Server Error']],
    ['503', [503, 'Service Unavailable']],
  ])('%s is retried', async (_label, reply) => {
    const api = fakeOpenPanel((_body, n) => (n < 3 ? reply : ok));
    const { deliverer, deliver } = newDeliverer(testConfig());
    expect(await deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(api.received).toHaveLength(3);
    await deliverer.close();
  });

  it.each([
    ['seconds', () => '30', 30_000],
    ['an HTTP date', (now: number) => new Date(now + 45_000).toUTCString(), 45_000],
  ])('429 with Retry-After as %s waits at least that long', async (_label, retryAfter, atLeast) => {
    const { clock, sleep, now } = fakeClock();
    fakeOpenPanel((_body, n) => (n === 1 ? [429, 'slow down', { 'retry-after': retryAfter(clock.time) }] : ok));
    const { deliverer, deliver } = newDeliverer(testConfig(), { sleep, now });
    expect(await deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(clock.delays).toEqual([atLeast]);
    await deliverer.close();
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT'])('network error %s is retried', async (code) => {
    nock(apiUrl).post('/track').replyWithError(networkError(code)).post('/track').reply(200, { deviceId: 'd', sessionId: 's' });
    const { deliverer, deliver } = newDeliverer(testConfig());
    expect(await deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'delivered', attempts: 2 });
    await deliverer.close();
  });

  it('a request that stays slow past timeoutMs is retried', async () => {
    nock(apiUrl).post('/track').delay(300).reply(200, { deviceId: 'd', sessionId: 's' }).post('/track').reply(200, { deviceId: 'd', sessionId: 's' });
    const { deliverer, deliver } = newDeliverer(testConfig({ timeoutMs: 50 }));
    expect(await deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'delivered', attempts: 2 });
    await deliverer.close();
  });
});

describe('Deliverer: retry budget', () => {
  it('dead-letters after maxAttempts with the attempts and the last response', async () => {
    const api = fakeOpenPanel(() => [503, 'upstream down']);
    const { deliverer, deliver, deadLetters } = newDeliverer(testConfig({ maxAttempts: 3 }));
    const outcome = await deliver(job(0, 'm1', 'u1', [track('A')]));
    expect(outcome).toMatchObject({ status: 'dead_lettered', attempts: 3, reason: 'track: gave up after 3 attempts in 0s: HTTP 503: upstream down' });
    expect(api.received).toHaveLength(3);
    expect(await deadLetters.list()).toEqual([
      expect.objectContaining({
        attempts: 3,
        lastResponse: { status: 503, body: 'upstream down' },
        reason: outcome.reason,
        event: { type: 'track', messageId: 'm1', userId: 'u1' },
      }),
    ]);
    await deliverer.close();
  });

  it('dead-letters once the next retry would start after maxRetryAgeMs', async () => {
    const api = fakeOpenPanel(() => [500, 'boom']);
    // random 1: waits of 400 then 800 ms; the second would end past the 1 s budget.
    const { deliverer, deliver } = newDeliverer(testConfig({ maxRetryAgeMs: 1_000, backoffBaseMs: 400 }), { random: () => 1 });
    expect(await deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({
      status: 'dead_lettered',
      attempts: 2,
      reason: expect.stringMatching(/retry budget 1s/),
    });
    expect(api.received).toHaveLength(2);
    await deliverer.close();
  });

  it('a network error exhausting the budget keeps its code in the dead letter', async () => {
    nock(apiUrl).post('/track').times(2).replyWithError(networkError('ECONNREFUSED'));
    const { deliverer, deliver, deadLetters } = newDeliverer(testConfig({ maxAttempts: 2 }));
    expect(await deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({
      status: 'dead_lettered',
      reason: expect.stringMatching(/network error ECONNREFUSED/),
    });
    expect((await deadLetters.list())[0]?.lastResponse).toEqual({ code: 'ECONNREFUSED' });
    await deliverer.close();
  });

  it('with the default config, a stream with 20% transient failures is delivered without a dead letter', async () => {
    const failures = seededRandom(20);
    const api = fakeOpenPanel(() => (failures() < 0.2 ? [503, 'flaky'] : ok));
    const { deliverer, deliver, deadLetters } = newDeliverer(testConfig(), { random: seededRandom(7) });
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => deliver(job(i, `m${i}`, `u${i % 10}`, [track('Page Viewed')]))));
    expect(outcomes.filter((outcome) => outcome.status !== 'delivered')).toEqual([]);
    expect(await deadLetters.count()).toBe(0);
    expect(api.received.length).toBeGreaterThan(200);
    await deliverer.close();
  });
});

describe('Deliverer: order', () => {
  it("holds a user's later events while one waits in backoff; other users go on, even with one slot", async () => {
    let failFirst = true;
    const api = fakeOpenPanel((body) => {
      if (body.type === 'track' && body.payload.name === 'A1' && failFirst) {
        failFirst = false;
        return [503, 'busy'];
      }
      return ok;
    });
    const { deliverer, deliver } = newDeliverer(testConfig({ concurrency: 1 }));
    const a1 = deliver(job(0, 'a1', 'userA', [track('A1', 'userA')]));
    const a2 = deliver(job(1, 'a2', 'userA', [track('A2', 'userA')]));
    const b1 = deliver(job(2, 'b1', 'userB', [track('B1', 'userB')]));
    expect(await a1).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(await a2).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await b1).toMatchObject({ status: 'delivered' });
    expect(api.names()).toEqual(['A1', 'B1', 'A1', 'A2']);
    await deliverer.close();
  });

  it("writes an answer while another request stays on the wire, and holds the user's next request until then", async () => {
    // Sixteen in flight write answers in pairs: B1's answer alone is written by the settle timer, not by A's answer.
    let releaseA: (() => void) | undefined;
    const names: string[] = [];
    nock(apiUrl)
      .persist()
      .post('/track')
      .reply((_uri, body, callback) => {
        const { payload } = body as { payload: { name: string } };
        names.push(payload.name);
        const answer = (): void => callback(null, [200, { deviceId: 'd', sessionId: 's' }, {}]);
        if (payload.name === 'A') releaseA = answer;
        else answer();
      });
    const { deliverer, deliver } = newDeliverer(testConfig({ concurrency: 16 }));
    const a = deliver(job(0, 'a', 'userA', [track('A', 'userA')]));
    await until(() => releaseA !== undefined);
    const b1 = deliver(job(1, 'b1', 'userB', [track('B1', 'userB')]));
    const b2 = deliver(job(2, 'b2', 'userB', [track('B2', 'userB')]));
    expect(await b1).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await b2).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(names).toEqual(['A', 'B1', 'B2']);
    releaseA!();
    expect(await a).toMatchObject({ status: 'delivered', attempts: 1 });
    await deliverer.close();
  });

  it("sends a user's requests in order; a group upsert travels in its group's lane and is retried there", async () => {
    const api = fakeOpenPanel((body, n) => (body.type === 'group' && n === 1 ? [500, 'retry me'] : ok));
    const { deliverer, deliver } = newDeliverer(testConfig());
    const requests = [group('acme'), assignGroup('acme'), track('Joined')];
    expect(await deliver(job(0, 'm1', 'u1', requests))).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(api.names().filter((name) => name !== 'group')).toEqual(['assign_group', 'Joined']);
    expect(api.names().filter((name) => name === 'group')).toHaveLength(2);
    await deliverer.close();
  });

  it("an old OpenPanel rejecting group calls (400) dead-letters only those; track events and the user's next events go through", async () => {
    const api = fakeOpenPanel((body) => (body.type === 'track' ? ok : [400, 'Invalid type']));
    const { deliverer, deliver, deadLetters } = newDeliverer(testConfig());
    const first = deliver(job(0, 'm1', 'u1', [group('acme'), assignGroup('acme'), track('Joined')]));
    const second = deliver(job(1, 'm2', 'u1', [track('Clicked')]));
    expect(await first).toMatchObject({
      status: 'dead_lettered',
      reason: expect.stringMatching(/^2 of 3 requests not delivered: (group, assign_group|assign_group, group): HTTP 400: Invalid type$/),
    });
    expect(await second).toMatchObject({ status: 'delivered' });
    expect(api.names().filter((name) => name !== 'group')).toEqual(['assign_group', 'Joined', 'Clicked']);
    expect((await deadLetters.list())[0]?.requests).toEqual(expect.arrayContaining([group('acme'), assignGroup('acme')]));
    await deliverer.close();
  });

  it("a request that gives up does not hold the user's next one: each has its own budget", async () => {
    const api = fakeOpenPanel(() => [503, 'down']);
    const { deliverer, deliver, deadLetters } = newDeliverer(testConfig({ maxAttempts: 2 }));
    const outcome = await deliver(job(0, 'm1', 'u1', [assignGroup('acme'), track('Joined')]));
    expect(outcome).toMatchObject({ status: 'dead_lettered', attempts: 4, reason: expect.stringMatching(/^assign_group, track: gave up after 2 attempts/) });
    expect(api.names()).toEqual(['assign_group', 'assign_group', 'Joined', 'Joined']);
    expect((await deadLetters.list())[0]?.requests).toEqual([assignGroup('acme'), track('Joined')]);
    await deliverer.close();
  });
});

describe('Deliverer: dedupe', () => {
  it('delivers a messageId once; a copy is skipped without a request', async () => {
    const api = fakeOpenPanel();
    const { deliverer, deliver } = newDeliverer(testConfig());
    const first = deliver(job(0, 'same', undefined, [track('A')]));
    const copy = deliver(job(1, 'same', undefined, [track('A')]));
    expect(await first).toMatchObject({ status: 'delivered' });
    expect(await copy).toMatchObject({ index: 1, messageId: 'same', status: 'skipped', reason: expect.stringMatching(/^duplicate/) });
    expect(api.received).toHaveLength(1);
    await deliverer.close();
  });

  it('a re-sent event after a partial failure sends only what was not delivered', async () => {
    let fixed = false;
    const api = fakeOpenPanel((body) => (body.type === 'assign_group' && !fixed ? [400, 'Invalid type'] : ok));
    const { deliverer, deliver } = newDeliverer(testConfig());
    const requests = [group('acme'), assignGroup('acme'), track('Joined')];
    expect(await deliver(job(0, 'm1', 'u1', requests))).toMatchObject({ status: 'dead_lettered' });
    fixed = true;
    expect(await deliver(job(0, 'm1', 'u1', requests))).toMatchObject({ status: 'delivered', attempts: 1 });
    expect([...api.names()].sort()).toEqual(['Joined', 'assign_group', 'assign_group', 'group']);
    expect(api.names().at(-1)).toBe('assign_group');
    await deliverer.close();
  });
});

describe('Deliverer: secret', () => {
  it('sends the client secret to OpenPanel but never keeps it in outcomes or dead letters', async () => {
    const api = fakeOpenPanel(() => [400, `bad request: openpanel-client-secret=${secret}`]);
    const { deliverer, deliver, deadLetters } = newDeliverer(testConfig());
    const request = track('A');
    const outcome = await deliver(job(0, 'm1', 'u1', [request]));
    expect(api.received[0]?.headers).toMatchObject({ 'openpanel-client-secret': secret, 'content-type': 'application/json' });
    expect(request.headers).not.toHaveProperty('openpanel-client-secret');
    const kept = JSON.stringify([outcome, await deadLetters.list()]);
    expect(kept).toContain('[redacted]');
    expect(kept).not.toContain(secret);
    await deliverer.close();
  });
});

describe('Deliverer: close', () => {
  it('close leaves what is in backoff or queued in the outbox, not dead-lettered', async () => {
    fakeOpenPanel(() => [503, 'busy']);
    const { deliverer, deliver, deadLetters, outbox } = newDeliverer(testConfig(), { sleep: () => new Promise(() => undefined) });
    void deliver(job(0, 'm1', 'u1', [track('A'), track('B')]));
    void deliver(job(1, 'm2', 'u1', [track('C')]));
    await until(() => deliverer.inFlight === 0 && deliverer.health.healthy);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await deliverer.close(10);
    expect(await outbox.stats()).toMatchObject({ queuedEvents: 2, queuedRequests: 3, deadLetters: 0 });
    expect(await deadLetters.count()).toBe(0);
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

  const localDeliverer = (config: Partial<DestinationConfigInput> = {}) =>
    newDeliverer(testConfig({ apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, ...config }), { transport: 'undici' });

  it('delivers', async () => {
    answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"deviceId":"d","sessionId":"s"}');
    const { deliverer, deliver } = localDeliverer();
    expect(await deliver(job(0, 'm1', 'u1', [track('A')]))).toMatchObject({ status: 'delivered' });
    await deliverer.close();
    expect(bodies).toEqual([track('A').body]);
  });

  it('close cuts a request still on the wire at the deadline and keeps it queued', async () => {
    let arrived!: () => void;
    const onWire = new Promise<void>((resolve) => (arrived = resolve));
    answer = () => arrived();
    const { deliverer, deliver, deadLetters, outbox } = localDeliverer();
    void deliver(job(0, 'm2', 'u1', [track('B')]));
    await onWire;
    await deliverer.close(20);
    expect(await outbox.stats()).toMatchObject({ queuedEvents: 1, queuedRequests: 1 });
    expect(await deadLetters.count()).toBe(0);
  });

  it('hands its sender thread twice `concurrency` requests, of which `concurrency` are on the wire', async () => {
    const held: ServerResponse[] = [];
    answer = (res) => held.push(res);
    const { deliverer, deliver } = localDeliverer({ concurrency: 2 });
    const outcomes = Promise.all(Array.from({ length: 6 }, (_, i) => deliver(job(i, `h${i}`, `user-${i}`, [track(`T${i}`)]))));
    // The thread starts in a few hundred ms: turns of the event loop are counted in thousands.
    await until(() => deliverer.inFlight === 4 && held.length === 2, 1_000_000);
    // The two queued in the thread stay there while the connections are busy.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(held).toHaveLength(2);
    answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    for (const res of held.splice(0)) answer(res);
    expect((await outcomes).map((o) => o.status)).toEqual(Array(6).fill('delivered'));
    await deliverer.close();
  });
});
