import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { configSchema, type DestinationConfigInput } from '../../../src/config/schema.js';
import { combineObservers } from '../../../src/delivery/deliverer.js';
import { buildServer, type Server } from '../../../src/entry/server/app.js';
import { createActivity } from '../../../src/entry/server/console/activity.js';
import { createDestination, type Destination } from '../../../src/entry/library/destination.js';
import { deadLetterLog, loggerOptions } from '../../../src/entry/server/logging.js';
import { createMetrics } from '../../../src/entry/server/metrics.js';
import { startFakeOpenPanel, type FakeOpenPanel, type FakeOpenPanelOptions } from '../../support/fake-openpanel.js';
import { eventually } from '../../support/eventually.js';

export { eventually };

/** The server's credentials in unit tests: distinctive strings, so a log search for them finds any leak. */
export const writeKey = 'wk_unit_7f3a9c2e51';
export const webhookSecret = 'whs_unit_0d8b4e6a93';
export const adminToken = 'adm_unit_5c1f7e2b08';

export interface TestServer {
  app: FastifyInstance;
  server: Server;
  destination: Destination;
  fake: FakeOpenPanel;
  /** Every log line the server wrote, as written. */
  logs: string[];
  /** http://127.0.0.1:port */
  url: string;
  /** A real HTTP request to the server; JSON bodies are serialised, Buffers and strings sent as they are. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  config?: Partial<DestinationConfigInput>;
  fake?: FakeOpenPanelOptions;
  open?: boolean;
  requestTimeoutMs?: number;
  roomWaitMs?: number;
  /** Serve the console (with the config's adminToken), as `serve` does, naming this instance (default `test-instance`). */
  console?: boolean | { instanceId: string };
}

/** `serve`'s server as the command builds it (real intake, pino to a captured stream) in front of the fake OpenPanel. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const fake = await startFakeOpenPanel(options.fake);
  const config = configSchema.parse({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    apiUrl: fake.url,
    writeKey,
    webhookSecret,
    adminToken,
    backoffBaseMs: 5,
    backoffMaxMs: 50,
    ...options.config,
  });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const metrics = createMetrics(() => destination.stats());
  const activity = options.console ? createActivity() : undefined;
  const logger = pino(loggerOptions('debug'), stream);
  const observer = combineObservers(metrics.observer, deadLetterLog(logger), ...(activity ? [activity.observer] : []));
  const destination = createDestination(config, { observer });
  const server = buildServer({
    config,
    intake: destination,
    metrics,
    logger,
    open: options.open,
    requestTimeoutMs: options.requestTimeoutMs,
    roomWaitMs: options.roomWaitMs,
    ...(activity ? { console: { destination, activity, instanceId: typeof options.console === 'object' ? options.console.instanceId : 'test-instance' } } : {}),
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  return {
    app: server.app,
    server,
    destination,
    fake,
    logs,
    url,
    async request(method, path, body, headers = {}) {
      const raw = body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const response = await fetch(`${url}${path}`, { method, body: raw as BodyInit | undefined, headers: { 'content-type': 'application/json', ...headers } });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
    },
    async close() {
      try {
        await server.app.close();
        await destination.close({ deadlineMs: 1000 });
      } finally {
        await fake.close();
      }
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json(): any;
}

/** Resolves once every accepted event has its final outcome. */
export const drained = (t: TestServer): Promise<void> => eventually(async () => (await t.destination.stats()).queuedEvents === 0);

export const basic = (user: string): string => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;
