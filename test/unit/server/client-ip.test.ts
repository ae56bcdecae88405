import { afterEach, describe, expect, it } from '@jest/globals';
import { configSchema } from '../../../src/config/schema.js';
import { basic, drained, startTestServer, webhookSecret, writeKey, type TestServer } from './harness.js';

/** README, serve: the request's IP as context.ip when the event has none; X-Forwarded-For only from trusted proxies. */
const auth = { authorization: basic(writeKey) };
const track = (messageId: string, extra: Record<string, unknown> = {}) => ({ type: 'track', messageId, userId: 'u-ip', event: 'Located', ...extra });
const ipOf = (t: TestServer, name: string): string | undefined =>
  t.fake.requests.find((r) => (r.body.payload as { name?: string }).name === name)?.headers['openpanel-client-ip'];

describe('context.ip from the request', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it("fills the socket's address when the event has no IP, keeps the event's own, and ignores X-Forwarded-For from an untrusted peer", async () => {
    t = await startTestServer();
    await t.request(
      'POST',
      '/v1/batch',
      { batch: [track('ip-1', { event: 'No IP' }), track('ip-2', { event: 'Own IP', context: { ip: '198.51.100.4' } })] },
      auth,
    );
    await t.request('POST', '/v1/track', track('ip-3', { event: 'Spoofed' }), { ...auth, 'x-forwarded-for': '203.0.113.9' });
    await t.request('POST', '/v1/track', track('ip-4', { event: 'Rudder IP', request_ip: '192.0.2.8' }), auth);
    await drained(t);
    expect(ipOf(t, 'No IP')).toBe('127.0.0.1');
    expect(ipOf(t, 'Own IP')).toBe('198.51.100.4');
    expect(ipOf(t, 'Spoofed')).toBe('127.0.0.1');
    expect(ipOf(t, 'Rudder IP')).toBe('192.0.2.8');
  });

  it('reads X-Forwarded-For when trustProxy names the proxy, and takes only a valid IP from it', async () => {
    t = await startTestServer({ config: { trustProxy: ['127.0.0.1'] } });
    await t.request('POST', '/v1/track', track('xff-1', { event: 'Behind Proxy' }), { ...auth, 'x-forwarded-for': '203.0.113.9, 127.0.0.1' });
    await t.request('POST', '/v1/track', track('xff-2', { event: 'Garbage Header' }), { ...auth, 'x-forwarded-for': 'not-an-ip' });
    await drained(t);
    expect(ipOf(t, 'Behind Proxy')).toBe('203.0.113.9');
    expect(ipOf(t, 'Garbage Header')).toBeUndefined();
  });

  it('leaves /webhook events alone: they come from a CDP, not from the visitor', async () => {
    t = await startTestServer();
    await t.request('POST', '/webhook', track('hook-1', { event: 'Via Webhook' }), { authorization: `Bearer ${webhookSecret}` });
    await drained(t);
    expect(ipOf(t, 'Via Webhook')).toBeUndefined();
    expect(t.fake.requests.length).toBeGreaterThan(0);
  });
});

describe('trustProxy', () => {
  it('takes addresses, CIDR ranges and the proxy-addr presets only', () => {
    const base = { clientId: '00000000-0000-4000-8000-000000000000', clientSecret: 's' };
    expect(configSchema.safeParse({ ...base, trustProxy: ['10.0.0.1', '10.0.0.0/8', 'fd00::/8', 'loopback'] }).error).toBeUndefined();
    for (const bad of ['10.0.0.0/33', 'proxy.local', '10.0.0.1/8/1', '*'])
      expect([bad, configSchema.safeParse({ ...base, trustProxy: [bad] }).success]).toEqual([bad, false]);
  });
});
