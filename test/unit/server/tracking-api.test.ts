import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { basic, eventually, startTestServer, writeKey, type TestServer } from './harness.js';

const at = (second: number): string => new Date(Date.UTC(2026, 2, 20, 9, 0, second)).toISOString();
const groupCall = { type: 'group', messageId: 'g-1', userId: 'u-acme', groupId: 'org_acme', traits: { name: 'Acme' }, timestamp: at(1) };
const trackCall = { type: 'track', messageId: 't-1', userId: 'u-acme', event: 'Report Exported', timestamp: at(2) };

describe('Segment-compatible tracking API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());
  beforeEach(() => t.fake.reset());

  /** `null`: no Authorization header. */
  const post = (url: string, payload: unknown, authorization: string | null = basic(writeKey)) =>
    t.request('POST', url, payload, authorization === null ? {} : { authorization });

  it('takes a batch with Basic auth, answers {"success": true}, and delivers tracks with their groups', async () => {
    const response = await post('/v1/batch', { batch: [groupCall, trackCall] });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ success: true, accepted: 2, skipped: 0, rejected: [] });
    await eventually(() => t.fake.tracksOf('u-acme').length === 1);
    expect(t.fake.tracksOf('u-acme')[0]).toMatchObject({ name: 'Report Exported', groups: ['org_acme'] });
    expect(t.fake.requests.map((r) => r.body.type)).toEqual(['group', 'assign_group', 'track']);
  });

  it.each(['track', 'identify', 'group', 'page', 'screen', 'alias'])('serves /v1/%s, taking the type from the path', async (type) => {
    const response = await post(`/v1/${type}`, {
      userId: 'u-path',
      previousId: 'anon-1',
      event: 'Clicked',
      groupId: 'org_x',
      name: 'Home',
      traits: { plan: 'pro' },
    });
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ success: true, rejected: [] });
  });

  it('gzip-encoded batches (the RudderStack Node SDK gzips)', async () => {
    const response = await t.request('POST', '/v1/batch', gzipSync(JSON.stringify({ batch: [{ ...trackCall, messageId: 'gz-1' }] })), {
      authorization: basic(writeKey),
      'content-encoding': 'gzip',
    });
    expect(response.json()).toMatchObject({ success: true, accepted: 1 });
  });

  it.each([
    ['no credentials', null, 'missing write key'],
    ['a wrong write key', basic('wk_wrong'), 'wrong write key'],
    ['a bearer token instead of Basic', `Bearer ${writeKey}`, 'missing write key'],
  ])('refuses %s with 401 and a message', async (_case, authorization, message) => {
    const response = await post('/v1/batch', { batch: [trackCall] }, authorization);
    expect(response.status).toBe(401);
    expect(response.json().message).toContain(message);
  });

  it('accepts the write key in the body, and keeps it out of the event', async () => {
    const response = await post('/v1/track', { ...trackCall, messageId: 'body-key', writeKey }, null);
    expect(response.status).toBe(200);
    await eventually(() => t.fake.requests.length === 1);
    expect(JSON.stringify(t.fake.requests)).not.toContain(writeKey);
  });

  it('rejects invalid events of a batch one by one, with the field and rule, and takes the rest', async () => {
    const response = await post('/v1/batch', {
      batch: [{ ...trackCall, messageId: 'ok-1' }, { type: 'track', messageId: 'bad-1', userId: 'u1' }, { type: 'group', userId: 'u1' }, 'not an event'],
    });
    expect(response.status).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ success: true, accepted: 1 });
    expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3]);
    expect(body.rejected[0]).toMatchObject({ messageId: 'bad-1', reason: expect.stringContaining('event') });
    expect(body.rejected[1].reason).toContain('groupId');
    expect(t.logs.some((line) => line.includes('"events rejected"'))).toBe(true);
  });

  it('answers a single invalid event with 400 and its reason', async () => {
    const response = await post('/v1/track', { userId: 'u1' });
    expect(response.status).toBe(400);
    expect(response.json().message).toMatch(/event/);
  });

  it("Segment's limits: an event over 32 KB is refused on its own, a batch over 500 KB is a 400", async () => {
    const big = { ...trackCall, messageId: 'big', properties: { blob: 'x'.repeat(33 * 1024) } };
    const inBatch = await post('/v1/batch', { batch: [big, { ...trackCall, messageId: 'small' }] });
    expect(inBatch.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, reason: expect.stringMatching(/at most 32 KB an event/) }] });

    const single = await post('/v1/track', big);
    expect(single.status).toBe(400);
    expect(single.json().message).toMatch(/32 KB/);

    const events = Array.from({ length: 20 }, (_, i) => ({ ...trackCall, messageId: `m-${i}`, properties: { blob: 'y'.repeat(30 * 1024) } }));
    const batch = await post('/v1/batch', { batch: events });
    expect(batch.status).toBe(400);
    expect(batch.json().message).toMatch(/over 500 KB/);
  });

  it('a batch that is not {batch: [...]} is a 400 naming the shape', async () => {
    for (const payload of [{ batch: 'x' }, [trackCall], { events: [] }]) {
      const response = await post('/v1/batch', payload);
      expect(response.status).toBe(400);
      expect(response.json().message).toContain('{"batch": [events]}');
    }
  });
});
