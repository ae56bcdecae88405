import { afterEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { basic, startTestServer, writeKey, type TestServer } from './harness.js';

/** README, serve: at SIGTERM the listener stays up, new intake and readiness answer 503, requests on the wire finish. */
describe('stopping intake', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it('answers 503 to new intake and readiness while a request already on the wire finishes and is taken', async () => {
    t = await startTestServer();
    const body = JSON.stringify({ batch: [{ type: 'track', messageId: 'wire-1', userId: 'u-wire', event: 'On The Wire' }] });
    // A request whose body is half sent when the stop begins.
    const onWire = httpRequest(`${t.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: basic(writeKey) },
    });
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      onWire.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
      onWire.on('error', reject);
    });
    const arrived = once(t.app.server, 'request');
    onWire.write(body.slice(0, 10));
    // The server has the request's headers (its onRequest hook runs next); then the stop begins.
    await arrived;
    await new Promise<void>((resolve) => setImmediate(resolve));
    let stopped = false;
    const stop = t.server.stopIntake().then(() => (stopped = true));

    const late = await t.request('POST', '/v1/track', { type: 'track', userId: 'u-late', event: 'Late' }, { authorization: basic(writeKey) });
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('5');
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json()).toEqual({ status: 'stopping', reason: 'shutting down' });
    expect((await t.request('GET', '/health')).status).toBe(503);
    expect((await t.request('GET', '/health/live')).status).toBe(200);
    expect(stopped).toBe(false);

    onWire.end(body.slice(10));
    const { status, text } = await answered;
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ success: true, accepted: 1 });
    await stop;
    expect(stopped).toBe(true);
  });
});
