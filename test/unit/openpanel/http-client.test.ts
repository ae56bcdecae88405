import { describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { isDeepStrictEqual } from 'node:util';
import { configSchema } from '../../../src/config/schema.js';
import type { OpenPanelRequest } from '../../../src/openpanel/contract.js';
import { OpenPanelClient } from '../../../src/openpanel/http-client.js';
import { useNock } from '../../support/nock.js';

const secret = 'sec_http_client_test_secret';
const request: OpenPanelRequest = {
  headers: { 'openpanel-client-id': '9f0c6a3e-2b1d-4c5e-8f7a-1b2c3d4e5f60', 'openpanel-client-ip': '203.0.113.9' },
  body: { type: 'identify', payload: { profileId: 'u1', email: 'a@example.com' } },
};
const networkError = (code: string): Error => Object.assign(new Error(`${code} (simulated)`), { code });

/** A generous timeout, so a loaded machine does not turn an answer into a timeout; the timeout test sets its own. */
function client(apiUrl: string, timeoutMs = 5_000): OpenPanelClient {
  return new OpenPanelClient(configSchema.parse({ clientId: '9f0c6a3e-2b1d-4c5e-8f7a-1b2c3d4e5f60', clientSecret: secret, apiUrl, timeoutMs }), 'http');
}

useNock();

describe("OpenPanelClient over axios' http adapter", () => {
  it.each([
    ['https://api.openpanel.dev', 'https://api.openpanel.dev', '/track'],
    ['https://op.example.com/api/', 'https://op.example.com', '/api/track'],
  ])('posts to {apiUrl}/track for %s, adding the secret and content-type at send time', async (apiUrl, origin, path) => {
    const scope = nock(origin, {
      reqheaders: {
        'openpanel-client-secret': secret,
        'content-type': 'application/json',
        'openpanel-client-id': request.headers['openpanel-client-id']!,
        'openpanel-client-ip': '203.0.113.9',
      },
    })
      .post(path, (body: unknown) => isDeepStrictEqual(body, request.body))
      .reply(200, { deviceId: 'd', sessionId: 's' });
    const http = client(apiUrl);
    expect(await http.post(request)).toEqual({ status: 200, body: '{"deviceId":"d","sessionId":"s"}' });
    await http.close();
    scope.done();
    expect(request.headers).not.toHaveProperty('openpanel-client-secret');
  });

  it('reports status, body and Retry-After without throwing', async () => {
    nock('https://api.openpanel.dev').post('/track').reply(429, 'Too Many Requests', { 'Retry-After': '5' });
    const http = client('https://api.openpanel.dev');
    expect(await http.post(request)).toEqual({ status: 429, body: 'Too Many Requests', retryAfter: '5' });
    await http.close();
  });

  it('does not follow redirects (a POST would turn into a GET)', async () => {
    nock('https://api.openpanel.dev').post('/track').reply(301, '', { Location: 'https://elsewhere.example/track' });
    const http = client('https://api.openpanel.dev');
    expect(await http.post(request)).toMatchObject({ status: 301 });
    await http.close();
  });

  it.each(['ECONNRESET', 'ECONNREFUSED'])('reports network error %s by its code', async (code) => {
    nock('https://api.openpanel.dev').post('/track').replyWithError(networkError(code));
    const http = client('https://api.openpanel.dev');
    expect(await http.post(request)).toEqual({ code, message: `${code} (simulated)` });
    await http.close();
  });

  it('reports a timeout as ETIMEDOUT', async () => {
    nock('https://api.openpanel.dev').post('/track').delay(500).reply(200, {});
    const http = client('https://api.openpanel.dev', 50);
    expect(await http.post(request)).toMatchObject({ code: 'ETIMEDOUT' });
    await http.close();
  });

  it('scrubs the secret from anything echoed back', async () => {
    nock('https://api.openpanel.dev').post('/track').reply(400, `header openpanel-client-secret: ${secret}`);
    const http = client('https://api.openpanel.dev');
    expect(await http.post(request)).toEqual({ status: 400, body: 'header openpanel-client-secret: [redacted]' });
    await http.close();
  });
});
