import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loggerOptions } from '../../../src/entry/server/logging.js';
import { adminToken, basic, drained, startTestServer, webhookSecret, writeKey, type TestServer } from './harness.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  return {
    lines,
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  };
}

describe('logs never hold a secret', () => {
  it('the config and request headers are censored wherever they are logged', () => {
    const { lines, stream } = capture();
    const logger = pino(loggerOptions(), stream);
    const store = { type: 'redis', url: 'redis://:pw_redis_1@redis.internal:6379/0' };
    logger.info({ config: { clientSecret: 'sec_1', writeKey: 'wk_1', webhookSecret: 'whs_1', adminToken: 'adm_1', apiUrl: 'https://x', store } }, 'serving');
    logger.info({ req: { headers: { authorization: 'Basic d2tfMTo=', 'x-signature': 'abc123', 'openpanel-client-secret': 'sec_2' } } }, 'request');
    logger.info({ headers: { authorization: 'Bearer adm_2' } }, 'outbound');
    const text = lines.join('');
    for (const secret of ['sec_1', 'wk_1', 'whs_1', 'adm_1', 'pw_redis_1', 'd2tfMTo=', 'abc123', 'sec_2', 'adm_2']) expect(text).not.toContain(secret);
    expect(text).toContain('https://x');
    expect(text.match(/\*\*\*/g)?.length).toBe(9);
  });

  describe('a server taking good, bad and hostile requests at debug level', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ config: { transformerApi: true } });
    });
    afterAll(() => t.close());

    it('logs what happened without any credential', async () => {
      const raw = JSON.stringify({ type: 'track', userId: 'u-log', event: 'Logged' });
      await t.request('POST', '/v1/track', raw, { authorization: basic(writeKey) });
      await t.request('POST', '/v1/track', raw, { authorization: basic(`${writeKey}x`) });
      await t.request('POST', `/v1/track?writeKey=${writeKey}`, raw, {});
      await t.request('POST', '/v1/track', { ...JSON.parse(raw), writeKey }, {});
      await t.request('POST', '/webhook', raw, { 'x-signature': createHmac('sha1', webhookSecret).update(raw).digest('hex') });
      await t.request('POST', '/webhook', raw, { 'x-signature': createHmac('sha1', `${webhookSecret}x`).update(raw).digest('hex') });
      await t.request('POST', '/webhook', raw, { authorization: `Bearer ${webhookSecret}` });
      await t.request('GET', '/dead-letters', undefined, { authorization: `Bearer ${adminToken}` });
      await t.request('GET', '/dead-letters', undefined, { authorization: `Bearer ${adminToken}x` });
      await t.request('POST', '/v1/batch', '{"batch": [', { authorization: basic(writeKey) });
      const destination = { ID: 'd1', Config: { clientId: t.fake.clientId, clientSecret: t.fake.clientSecret, apiUrl: t.fake.url } };
      await t.request('POST', '/v0/destinations/openpanel', [{ message: JSON.parse(raw), destination, metadata: {} }]);
      await drained(t);

      const text = t.logs.join('');
      expect(text).toMatch(/"request refused"/);
      expect(text).toMatch(/wrong write key/);
      for (const secret of [writeKey, webhookSecret, adminToken, t.fake.clientSecret, Buffer.from(`${writeKey}:`).toString('base64')]) {
        expect(text).not.toContain(secret);
      }
    });
  });
});
