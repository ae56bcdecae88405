import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { eventually, startTestServer, webhookSecret, type TestServer } from './harness.js';

const sign = (raw: string, secret = webhookSecret): string => createHmac('sha1', secret).update(raw).digest('hex');
const event = (messageId: string, extra: object = {}) => ({ type: 'track', messageId, userId: 'u-hook', event: 'Webhook Event', ...extra });

describe('POST /webhook', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());
  beforeEach(() => t.fake.reset());

  it("takes a body signed as Segment's Webhooks (Actions) sign it, exactly as sent", async () => {
    // Whitespace and key order are the sender's: the signature covers the raw bytes, not a re-serialisation.
    const raw = `{ "type":"track",  "event":"Signed Body", "userId":"u-hook", "messageId":"sig-1" }`;
    const response = await t.request('POST', '/webhook', raw, { 'x-signature': sign(raw) });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ success: true, accepted: 1, skipped: 0, rejected: [] });
    await eventually(() => t.fake.tracksOf('u-hook').length === 1);
    expect(t.fake.tracksOf('u-hook')[0]).toMatchObject({ name: 'Signed Body' });
  });

  it.each([
    ['a missing signature and no token', {}, /missing credentials/],
    ['a signature made with another secret', { 'x-signature': sign('{}', 'whs_other') }, /X-Signature does not match/],
    ['a signature of another body', { 'x-signature': sign('{"type":"track"}') }, /X-Signature does not match/],
    ['a wrong bearer token', { authorization: 'Bearer whs_wrong' }, /wrong bearer token/],
    ['the secret as Basic auth', { authorization: `Basic ${Buffer.from(`${webhookSecret}:`).toString('base64')}` }, /missing credentials/],
  ])('refuses %s with 401, delivering nothing', async (_case, headers, message) => {
    const response = await t.request('POST', '/webhook', event('unsigned'), headers as Record<string, string>);
    expect(response.status).toBe(401);
    expect(response.json().message).toMatch(message);
    expect(t.fake.stats.received).toBe(0);
  });

  it("takes Authorization: Bearer <secret> (RudderStack's Webhook destination headers)", async () => {
    const response = await t.request('POST', '/webhook', event('bearer-1'), { authorization: `Bearer ${webhookSecret}` });
    expect(response.json()).toMatchObject({ success: true, accepted: 1 });
  });

  it("takes what RudderStack's Webhook destination posts: the message as is (shape from rudder-transformer's webhook tests)", async () => {
    // An anonymous mobile track: snake_case message_id, a +05:30 timestamp with microseconds, device context.
    const message = {
      anonymousId: 'c82cbdff-e5be-4009-ac78-cdeea09ab4b1',
      context: {
        device: { id: 'df16bffa-5c3d-4fbb-9bce-3bab098129a7R', manufacturer: 'Xiaomi', model: 'Redmi 6', name: 'xiaomi' },
        network: { carrier: 'Banglalink' },
        os: { name: 'android', version: '8.1.0' },
        traits: { address: { city: 'Dhaka', country: 'Bangladesh' }, anonymousId: 'c82cbdff-e5be-4009-ac78-cdeea09ab4b1' },
      },
      event: 'spin_result',
      integrations: { All: true },
      message_id: 'a80f82be-9bdc-4a9f-b2a5-15621ee41df8',
      properties: { bet_amount: 9, game_name: 'FireEagleSlots', is_turbo: 'False', jackpot_win_type: 'Silver', level: 6 },
      timestamp: '2019-09-01T15:46:51.693229+05:30',
      type: 'track',
      user_properties: { coin_balance: 9466052, level: 6 },
    };
    const response = await t.request('POST', '/webhook', message, { authorization: `Bearer ${webhookSecret}` });
    expect(response.json()).toMatchObject({ success: true, accepted: 1 });
    const spin = () => t.fake.requests.find((r) => r.body.type === 'track' && r.body.payload.name === 'spin_result');
    await eventually(() => spin() !== undefined);
    expect(spin()!.body).toMatchObject({
      type: 'track',
      payload: {
        name: 'spin_result',
        properties: expect.objectContaining({
          game_name: 'FireEagleSlots',
          __deviceId: message.anonymousId,
          __os: 'android',
          __timestamp: '2019-09-01T10:16:51.693Z',
        }),
      },
    });
  });

  it('takes an array or {batch} and rejects bad events one by one', async () => {
    const auth = { authorization: `Bearer ${webhookSecret}` };
    const array = await t.request('POST', '/webhook', [event('arr-1'), { type: 'track', userId: 'u-hook' }], auth);
    expect(array.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, reason: expect.stringContaining('event') }] });
    const batch = await t.request('POST', '/webhook', { batch: [event('b-1'), event('b-2', { integrations: { OpenPanel: false } })] }, auth);
    expect(batch.json()).toMatchObject({ accepted: 1, skipped: 1, rejected: [] });
    const single = await t.request('POST', '/webhook', { type: 'group', userId: 'u-hook' }, auth);
    expect(single.status).toBe(400);
    expect(single.json().message).toContain('groupId');
    const scalar = await t.request('POST', '/webhook', '42', auth);
    expect(scalar.status).toBe(400);
    expect(scalar.json().message).toMatch(/an event object, an array of events or \{"batch"/);
  });
});
