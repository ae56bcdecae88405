import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { notSent } from '../../../src/openpanel/response.js';
import { createThreadSender } from '../../../src/openpanel/thread-sender.js';

/** The default sender's thread: requests and answers crossing between threads, its queue, and its failures. */
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let handler: Handler;
let server: Server;
let url: string;
let onWire = 0;
let mostOnWire = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      mostOnWire = Math.max(mostOnWire, ++onWire);
      res.on('close', () => onWire--);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const json = { 'content-type': 'application/json' };

describe('the thread sender', () => {
  it('answers each request with its own answer, queueing those beyond the connections', async () => {
    mostOnWire = 0;
    handler = (_req, res, body) => setTimeout(() => res.writeHead(200, json).end(body), 5 + (body.length % 7));
    const sender = createThreadSender({ url: `${url}/track`, connections: 2, timeoutMs: 5_000 });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => sender.post(JSON.stringify({ n: i }), json)));
    expect(answers).toEqual(Array.from({ length: 30 }, (_, i) => ({ status: 200, body: JSON.stringify({ n: i }) })));
    expect(mostOnWire).toBeLessThanOrEqual(2);
    await sender.close();
  });

  it('counts the wait for a connection in timeoutMs: a request that waited it out is never sent', async () => {
    const arrived: string[] = [];
    handler = (_req, _res, body) => arrived.push(body);
    const sender = createThreadSender({ url: `${url}/track`, connections: 1, timeoutMs: 300 });
    const first = sender.post('"first"', json);
    const second = sender.post('"second"', json);
    expect(await first).toMatchObject({ code: 'ETIMEDOUT' });
    sender.after!('go');
    expect(await second).toMatchObject({ code: 'ETIMEDOUT' });
    expect(arrived).toEqual(['"first"']);
    await sender.destroy();
  });

  it('holds what it queued behind an answer that was not a 2xx until told to go on, or hands it back unsent', async () => {
    const arrived: string[] = [];
    handler = (_req, res, body) => {
      arrived.push(body);
      res.writeHead(body === '"refused"' ? 401 : 200, json).end('{}');
    };
    const sender = createThreadSender({ url: `${url}/track`, connections: 1, timeoutMs: 5_000 });
    const refused = sender.post('"refused"', json);
    const queued = [sender.post('"next"', json), sender.post('"last"', json)];
    expect(await refused).toMatchObject({ status: 401 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(arrived).toEqual(['"refused"']);
    sender.after!('go');
    expect(await Promise.all(queued)).toEqual([
      { status: 200, body: '{}' },
      { status: 200, body: '{}' },
    ]);
    expect(arrived).toEqual(['"refused"', '"next"', '"last"']);

    const again = sender.post('"refused"', json);
    const recalled = [sender.post('"a"', json), sender.post('"b"', json)];
    expect(await again).toMatchObject({ status: 401 });
    sender.after!('recall');
    expect(await Promise.all(recalled)).toEqual([notSent, notSent]);
    expect(arrived).toHaveLength(4);
    await sender.close();
  });

  it('answers ERR_SENDER_THREAD when its thread cannot run, and tries a new thread for the next request', async () => {
    const sender = createThreadSender({ url: 'not a url', connections: 1, timeoutMs: 1_000 });
    expect(await sender.post('{}', json)).toMatchObject({ code: 'ERR_SENDER_THREAD', message: expect.stringMatching(/Invalid URL/) });
    expect(await sender.post('{}', json)).toMatchObject({ code: 'ERR_SENDER_THREAD' });
    await sender.close();
  });
});

describe('the built package starts the thread from its own files', () => {
  const root = new URL('../../../', import.meta.url).pathname;
  const send = (load: string) => `
    ${load}
      .then(async ({ createDestination }) => {
        const destination = createDestination({ clientId: '9f0c6a3e-2b1d-4c5e-8f7a-1b2c3d4e5f60', clientSecret: 'sec_built', apiUrl: process.argv[1] });
        const [outcome] = await destination.send([{ type: 'track', messageId: 'm1', userId: 'u1', event: 'Built' }]);
        await destination.close();
        console.log(outcome.status);
      });`;

  it.each([
    ['ESM (dist/index.js)', `import(${JSON.stringify(`${root}dist/index.js`)})`],
    ['CommonJS (dist/cjs/index.cjs)', `Promise.resolve(require(${JSON.stringify(`${root}dist/cjs/index.cjs`)}))`],
  ])('%s', async (_label, load) => {
    const names: string[] = [];
    handler = (_req, res, body) => {
      names.push((JSON.parse(body) as { payload: { name: string } }).payload.name);
      res.writeHead(200, json).end('{}');
    };
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', send(load), url]);
    expect(stdout.trim()).toBe('delivered');
    expect(names).toEqual(['Built']);
  });
});

describe('closing with requests on the wire', () => {
  it('keeps its thread referenced from the moment it is told to end until it has ended', async () => {
    let arrived = 0;
    handler = (_req, res) => {
      arrived++;
      setTimeout(() => res.writeHead(200, json).end('{}'), 2_000).unref();
    };
    const sender = createThreadSender({ url, connections: 8, timeoutMs: 5_000 });
    const answers = Array.from({ length: 8 }, () => sender.post('{}', json));
    while (arrived < 8) await new Promise((resolve) => setTimeout(resolve, 10));
    const unref = jest.spyOn(Worker.prototype, 'unref');
    try {
      await sender.destroy();
      expect(await Promise.all(answers)).toHaveLength(8);
      // The cut requests' answers come before the thread says it has ended. Let go in between, a process with
      // nothing else to wait for exited there, its close never settled: a CLI `send` stopped by a second Ctrl-C
      // exited 0 instead of 130.
      expect(unref).not.toHaveBeenCalled();
    } finally {
      unref.mockRestore();
    }
  });
});
