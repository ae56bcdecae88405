import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { configSchema } from '../../../src/config/schema.js';
import { OpenPanelClient } from '../../../src/openpanel/http-client.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const secret = 'sec_undici_test_secret';
let handler: Handler;
let server: Server;
let connections = 0;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, res, body));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(apiUrl = `${baseUrl}/api/`, timeoutMs = 2000): OpenPanelClient {
  const config = configSchema.parse({ clientId: '9f0c6a3e-2b1d-4c5e-8f7a-1b2c3d4e5f60', clientSecret: secret, apiUrl, timeoutMs, concurrency: 4 });
  return new OpenPanelClient(config, 'undici');
}

const request = { headers: { 'openpanel-client-id': 'cid', 'user-agent': 'Mozilla/5.0' }, body: { type: 'track' as const, payload: { name: 'Signed Up' } } };

describe('the undici sender against a local http server', () => {
  let current: OpenPanelClient;
  afterEach(async () => current.close());

  it('posts JSON with the secret to {apiUrl}/track over keep-alive connections', async () => {
    const seen: { url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
    handler = (req, res, body) => {
      seen.push({ url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"deviceId":"d","sessionId":"s"}');
    };
    current = client();
    const before = connections;
    const first = await current.post(request);
    for (let i = 0; i < 5; i++) expect((await current.post(request)).status).toBe(200);
    expect(first).toEqual({ status: 200, body: '{"deviceId":"d","sessionId":"s"}' });
    // undici may open a second connection while the first is being released; after that they are reused.
    expect(connections - before).toBeLessThanOrEqual(2);
    expect(seen[0]).toMatchObject({
      url: '/api/track',
      headers: { 'openpanel-client-secret': secret, 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0', 'openpanel-client-id': 'cid' },
    });
    expect(JSON.parse(seen[0]!.body)).toEqual(request.body);
  });

  it('reports a 5xx with its body and Retry-After', async () => {
    handler = (_req, res) => res.writeHead(503, { 'retry-after': '7' }).end('busy');
    current = client();
    expect(await current.post(request)).toEqual({ status: 503, body: 'busy', retryAfter: '7' });
  });

  it('reports a connection reset as ECONNRESET', async () => {
    handler = (req) => req.socket.destroy();
    current = client();
    expect(await current.post(request)).toMatchObject({ code: 'ECONNRESET' });
  });

  it('reports a server that does not answer in timeoutMs as ETIMEDOUT', async () => {
    handler = () => undefined;
    current = client(`${baseUrl}`, 100);
    expect(await current.post(request)).toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('reports a closed port as ECONNREFUSED', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    current = client(`http://127.0.0.1:${port}`);
    expect(await current.post(request)).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('destroy() ends a request in flight as ERR_CANCELED', async () => {
    const arrived = new Promise<void>((resolve) => (handler = () => resolve()));
    current = client();
    const pending = current.post(request);
    await arrived;
    await current.destroy();
    expect(await pending).toMatchObject({ code: 'ERR_CANCELED' });
  });
});
