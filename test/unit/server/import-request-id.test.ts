import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { basic, drained, startTestServer, writeKey, type TestServer } from './harness.js';

/** README, serve: RudderStack's /v1/import bulk route, and X-Request-Id honoured and echoed. */
describe('serve conventions', () => {
  let t: TestServer;
  const auth = { authorization: basic(writeKey) };
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it("/v1/import takes a batch like /v1/batch (same auth and answer) with a body over /v1/batch's 500 KB", async () => {
    // ~700 KB: 350 events of ~2 KB each, every one under 32 KB.
    const batch = Array.from({ length: 350 }, (_, i) => ({
      type: 'track',
      messageId: `imp-${i}`,
      userId: `u-imp-${i % 7}`,
      event: 'Imported',
      properties: { note: 'x'.repeat(2_000) },
    }));
    expect((await t.request('POST', '/v1/import', { batch })).status).toBe(401);
    const imported = await t.request('POST', '/v1/import', { batch }, auth);
    expect(imported.status).toBe(200);
    expect(imported.json()).toEqual({ success: true, accepted: 350, skipped: 0, rejected: [] });
    const tooBig = await t.request('POST', '/v1/batch', { batch }, auth);
    expect(tooBig.status).toBe(400);
    expect(tooBig.json().message).toBe("the body is over 500 KB (Segment's limit for a batch; 32 KB an event)");
    await drained(t);
    expect(t.fake.requests.filter((r) => (r.body.payload as { name?: string }).name === 'Imported')).toHaveLength(350);
  });

  it('keeps an incoming X-Request-Id for the logs and echoes it; makes one when there is none or it is not a plain token', async () => {
    const given = await t.request('POST', '/v1/track', { type: 'track', userId: 'u-rid' }, { ...auth, 'x-request-id': 'req-7f3a.trace:1' });
    expect(given.status).toBe(400);
    expect(given.headers.get('x-request-id')).toBe('req-7f3a.trace:1');
    expect(t.logs.some((line) => JSON.parse(line).reqId === 'req-7f3a.trace:1')).toBe(true);

    const made = await t.request('GET', '/health/live');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const forged = await t.request('GET', '/health/live', undefined, { 'x-request-id': 'a b\t"msg":"forged"' });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
