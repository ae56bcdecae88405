import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { basic, startTestServer, writeKey, type TestServer } from './harness.js';

/** Raw HTTP over a socket: what fetch cannot send (half bodies, lying lengths). Resolves with what the server answered. */
async function rawExchange(url: string, request: string, { endAfterWrite = false } = {}): Promise<string> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.write(request);
  if (endAfterWrite) socket.end();
  await once(socket, 'close');
  return answer;
}

describe('hostile input: every request gets a 4xx with a message, and the server stays healthy', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ requestTimeoutMs: 1000 });
  });
  afterAll(() => t.close());

  const auth = { authorization: basic(writeKey) };
  const deep = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

  it.each([
    ['invalid JSON', '/v1/batch', '{"batch": [', 400, /not valid JSON/],
    ['an empty body', '/v1/track', '', 400, /must be one track event/],
    ['a number', '/v1/track', '12', 400, /one track event/],
    ['a string event', '/v1/identify', '"hello"', 400, /one identify event/],
    ['batch of the wrong type', '/v1/batch', '{"batch": {"0": {}}}', 400, /\{"batch": \[events\]\}/],
    ['a wrongly typed event field', '/v1/track', '{"userId": "u1", "event": {"x": 1}}', 400, /event/],
    ['deep nesting', '/v1/track', `{"userId":"u1","event":"x","properties":${deep(100)}}`, 400, /nests deeper than 64/],
    ['deep arrays', '/v1/batch', `{"batch":${'['.repeat(5000)}${']'.repeat(5000)}}`, 400, /nests deeper/],
    ['a __proto__ key', '/v1/track', '{"userId":"u1","event":"x","properties":{"__proto__":{"admin":true}}}', 400, /forbidden key \(__proto__\)/],
    ['an escaped __proto__ key', '/v1/track', '{"userId":"u1","event":"x","\\u005f_proto__":{"admin":true}}', 400, /forbidden key/],
    ['constructor.prototype', '/v1/track', '{"userId":"u1","event":"x","constructor":{"prototype":{"admin":true}}}', 400, /forbidden key \(constructor\)/],
    ['a huge body', '/v1/batch', `{"batch":[],"pad":"${'z'.repeat(2 * 1024 * 1024)}"}`, 400, /over 500 KB/],
    ['a huge webhook body', '/webhook', `{"pad":"${'z'.repeat(5 * 1024 * 1024)}"}`, 413, /over 4 MB/],
  ])('%s', async (_case, path, body, status, message) => {
    const response = await t.request('POST', path, body, path === '/webhook' ? { authorization: 'Bearer whs_unit_0d8b4e6a93' } : auth);
    expect({ status: response.status, message: response.json().message }).toEqual({ status, message: expect.stringMatching(message) });
    expect(Object.prototype).not.toHaveProperty('admin');
  });

  it('a gzip bomb is cut off at the limit, counted after decoding', async () => {
    const bomb = gzipSync(Buffer.from(`{"batch":[],"pad":"${'0'.repeat(20 * 1024 * 1024)}"}`));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const response = await t.request('POST', '/v1/batch', bomb, { ...auth, 'content-encoding': 'gzip' });
    expect(response.status).toBe(400);
    expect(response.json().message).toMatch(/over 500 KB/);
  });

  it('a body that is not gzip though labelled so, and unknown encodings', async () => {
    const corrupt = await t.request('POST', '/v1/batch', '{"batch":[]}', { ...auth, 'content-encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
    expect(corrupt.json().message).toMatch(/header check/);
    const brotli = await t.request('POST', '/v1/batch', '{"batch":[]}', { ...auth, 'content-encoding': 'br' });
    expect(brotli.status).toBe(415);
    expect(brotli.json().message).toMatch(/content-encoding br is not supported/);
  });

  it('unknown routes and methods', async () => {
    for (const [method, path] of [
      ['GET', '/v1/batch'],
      ['POST', '/v2/batch'],
      ['DELETE', '/webhook'],
      ['POST', '/../../etc/passwd'],
    ] as const) {
      const response = await t.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : '{}', auth);
      expect(response.status).toBe(404);
      expect(response.json().message).toMatch(/^no route/);
    }
  });

  it('a body slower than the request timeout gets a 408', async () => {
    const answer = await rawExchange(
      t.url,
      `POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"userId":`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a body cut short (the client hangs up) is not taken, and a lying Content-Length is a 400', async () => {
    const before = await t.destination.stats();
    await rawExchange(
      t.url,
      `POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\nContent-Length: 500\r\n\r\n{"userId":"u1","event":"x"}`,
      {
        endAfterWrite: true,
      },
    );
    const lying = await rawExchange(
      t.url,
      `POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"userId":"u1","event":"x"}`,
    );
    expect(lying).toMatch(/^HTTP\/1\.1 400/);
    expect((await t.destination.stats()).queuedEvents).toBe(before.queuedEvents);
  });

  it('is still healthy and serving afterwards', async () => {
    expect((await t.request('GET', '/health')).status).toBe(200);
    const ok = await t.request('POST', '/v1/track', { userId: 'u1', event: 'Still Here' }, auth);
    expect(ok.json()).toMatchObject({ success: true, accepted: 1 });
  });
});
