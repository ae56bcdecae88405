import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { deleteKeys, testPrefix, testRedisUrl } from '../../support/redis.js';
import { basic, drained, startTestServer, writeKey, type TestServer } from './harness.js';

const auth = { authorization: basic(writeKey) };
const Config = { clientId: '0b3c1d9e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', clientSecret: 'sec_rudder_store_1', apiUrl: 'https://op.example.com/api' };
const input = (message: object, jobId: number) => ({ message, destination: { ID: 'dest-store', Config }, metadata: { jobId } });

describe('serve on a Redis store', () => {
  const prefix = testPrefix('serve');
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { transformerApi: true, store: { type: 'redis', url: testRedisUrl, prefix } } });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(prefix);
  });

  it("commits intake to the Redis outbox and keeps the transformer routes' membership in Redis", async () => {
    const batch = [
      { type: 'group', userId: 'u-redis', groupId: 'org_redis', traits: { name: 'Redis Co' }, messageId: 'rs-1' },
      { type: 'track', userId: 'u-redis', event: 'Stored', messageId: 'rs-2' },
    ];
    expect((await t.request('POST', '/v1/batch', { batch }, auth)).json()).toMatchObject({ accepted: 2 });
    await drained(t);
    expect(t.fake.requests.find((r) => r.body.type === 'track')?.body.payload).toMatchObject({ name: 'Stored', groups: ['org_redis'] });

    await t.request('POST', '/routerTransform', { input: [input({ type: 'group', userId: 'u-rt', groupId: 'org_rt' }, 1)] });
    const client = new Redis(testRedisUrl);
    try {
      expect((await client.keys(`${prefix}transformer:dest-store:*`)).length).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
    const { output } = (await t.request('POST', '/routerTransform', { input: [input({ type: 'track', userId: 'u-rt', event: 'Later' }, 2)] })).json();
    expect(output[0].batchedRequest.body.JSON.payload.groups).toEqual(['org_rt']);
  });
});

describe('serve with its Redis store unreachable', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      config: { transformerApi: true, store: { type: 'redis', url: 'redis://:pw_unreachable_7@127.0.0.1:9/3', prefix: 'opd-test:down:' } },
    });
  });
  // Closing reads the queue one last time: it says the store is down (and still releases everything).
  afterAll(() => expect(t.close()).rejects.toThrow(/Redis at 127\.0\.0\.1:9\/3: unavailable/));

  it('intake and the transformer routes answer 503 with Retry-After, /health is degraded naming the store, no password anywhere', async () => {
    const intake = await t.request('POST', '/v1/batch', { batch: [{ type: 'track', userId: 'u-down', event: 'Lost?' }] }, auth);
    expect(intake.status).toBe(503);
    expect(intake.headers.get('retry-after')).toBe('5');
    expect(intake.json().message).toMatch(/state store is unavailable, nothing of this request was taken/);

    const router = await t.request('POST', '/routerTransform', { input: [input({ type: 'group', userId: 'u-down', groupId: 'org_down' }, 1)] });
    expect(router.status).toBe(503);
    expect(router.headers.get('retry-after')).toBe('5');

    const health = await t.request('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/^Redis at 127\.0\.0\.1:9\/3: unavailable/) });
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/Redis at 127\.0\.0\.1:9\/3: unavailable/) });
    expect((await t.request('GET', '/health/live')).status).toBe(200);

    for (const text of [intake.text, router.text, health.text, ready.text, t.logs.join('')]) expect(text).not.toContain('pw_unreachable_7');
    expect(t.fake.requests).toHaveLength(0);
  });
});
