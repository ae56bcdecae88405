import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { zOpenPanelBody, type OpenPanelBody, type TrackPayload } from '../../src/openpanel/contract.js';
import { mergeGroup, type HeldGroup } from './openpanel-groups.js';
import { seededRandom } from './seeded-random.js';

/**
 * A fake OpenPanel ingestion API that enforces docs/openpanel-contract.md, for end-to-end tests and the bench.
 * Checks run in the real server's order: route, body validation, then client auth, then the handler's own
 * refusals. Injected failures stand for a proxy in front of OpenPanel: they never store the event, so a
 * correct client ends with every event stored exactly once.
 */

export const failureKinds = ['503', '429', '500', 'reset'] as const;
export type FailureKind = (typeof failureKinds)[number];

export const fakeClientId = '5f0c8b9e-2d4a-4c1e-9b7a-3e6f1d2c4a80';
export const fakeClientSecret = 'sec_fake_openpanel_secret';

export interface FakeOpenPanelOptions {
  clientId?: string;
  clientSecret?: string;
  /** '' for OpenPanel cloud, '/api' for a self-hosted install. */
  basePath?: '' | '/api';
  /** Added before every answer. */
  latencyMs?: number;
  /** Share (0..1) of requests answered by an injected failure instead of OpenPanel. */
  failRate?: number;
  failKinds?: readonly FailureKind[];
  /** Seeds the failure draws, so the n-th request meets the same fate on every run. */
  seed?: number;
  /** Retry-After of an injected 429, in seconds (0 keeps tests fast). */
  retryAfterSeconds?: number;
  /** Old self-hosted versions: 400 for `group` and `assign_group`. */
  rejectGroupCalls?: boolean;
  /** Misconfigured self-hosted versions: 200 with a text body, nothing stored. */
  textBody200?: boolean;
  /** false: count accepted requests without keeping them (a million-event backfill in the bench). */
  keepRequests?: boolean;
}

/** An accepted request as OpenPanel would have ingested it; headers are lower-case, without the client secret. */
export interface StoredRequest {
  headers: Record<string, string>;
  body: OpenPanelBody;
}

export interface FakeOpenPanelStats {
  /** Every request that reached the server. */
  received: number;
  injectedFailures: number;
  /** Requests OpenPanel itself refused (404, 415, 400, 401, and the text-body 200). */
  rejected: number;
  /** Requests stored (kept in `requests` unless keepRequests is false). */
  accepted: number;
}

export interface FakeOpenPanel {
  /** The apiUrl to configure (includes basePath). */
  url: string;
  clientId: string;
  clientSecret: string;
  /** Accepted requests in arrival order. */
  requests: StoredRequest[];
  stats: FakeOpenPanelStats;
  /** Track payloads stored for a profile, in arrival order. */
  tracksOf(profileId: string | number): TrackPayload[];
  /** Each group as OpenPanel holds it: its accepted upserts merged in arrival order (test/support/openpanel-groups.ts). */
  groups: Map<string, HeldGroup>;
  /** Forgets stored requests and stats and restarts the failure sequence. */
  reset(): void;
  /** An outage: every request fails this way until `outage(undefined)`; `'401'` refuses every client as a wrong secret would. */
  outage(kind: FailureKind | '401' | undefined): void;
  /**
   * From now on, a valid body for which `rule` returns a message is refused with 400 and that message: a rule this
   * connector cannot foresee (a newer OpenPanel's, whose event-name blocklist grows, or a proxy's). `undefined` ends it.
   */
  refuse(rule: ((body: OpenPanelBody) => string | undefined) | undefined): void;
  close(): Promise<void>;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const secretHeader = 'openpanel-client-secret';

class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly issues?: z.core.$ZodIssue[],
  ) {}
}

export async function startFakeOpenPanel(options: FakeOpenPanelOptions = {}): Promise<FakeOpenPanel> {
  const clientId = options.clientId ?? fakeClientId;
  const clientSecret = options.clientSecret ?? fakeClientSecret;
  const trackPath = `${options.basePath ?? ''}/track`;
  const kinds = options.failKinds ?? failureKinds;
  const requests: StoredRequest[] = [];
  const groups = new Map<string, HeldGroup>();
  const stats: FakeOpenPanelStats = { received: 0, injectedFailures: 0, rejected: 0, accepted: 0 };
  let random = seededRandom(options.seed ?? 1);
  let down: FailureKind | '401' | undefined;
  let refusal: ((body: OpenPanelBody) => string | undefined) | undefined;

  const injectedFailure = (): FailureKind | undefined => {
    if (down !== undefined && down !== '401') return down;
    if (!options.failRate || random() >= options.failRate) return undefined;
    return kinds[Math.floor(random() * kinds.length)];
  };

  const accept = (req: IncomingMessage, raw: string): StoredRequest => {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== trackPath) {
      throw new Refusal(404, `Route ${req.method}:${req.url} not found`);
    }
    if (!req.headers['content-type']?.startsWith('application/json')) {
      throw new Refusal(415, `Unsupported Media Type: ${req.headers['content-type'] ?? 'none'}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new Refusal(400, 'Body is not valid JSON');
    }
    const isAlias = (json as { type?: unknown } | null)?.type === 'alias';
    const parsed = isAlias ? undefined : zOpenPanelBody.safeParse(json);
    if (parsed && !parsed.success) throw new Refusal(400, z.prettifyError(parsed.error), parsed.error.issues);

    const id = header(req, 'openpanel-client-id');
    const secret = header(req, secretHeader);
    if (!id) throw new Refusal(401, 'Ingestion: Missing client id');
    if (!uuidPattern.test(id)) throw new Refusal(401, 'Ingestion: Client ID must be a valid UUIDv4');
    if (id !== clientId) throw new Refusal(401, 'Ingestion: Invalid client id');
    const revenue = (json as { payload?: { properties?: Record<string, unknown> } }).payload?.properties?.['__revenue'];
    if (revenue !== undefined && !secret) throw new Refusal(401, 'Ingestion: Revenue tracking is not allowed without a client secret');
    if (secret !== clientSecret) throw new Refusal(401, 'Ingestion: Invalid cors or secret');

    if (!parsed) throw new Refusal(400, 'Alias is not supported');
    const body = parsed.data;
    const refused = refusal?.(body);
    if (refused !== undefined) throw new Refusal(400, refused);
    if (options.rejectGroupCalls && (body.type === 'group' || body.type === 'assign_group')) {
      throw new Refusal(400, 'body/type must be equal to one of the allowed values');
    }
    return { headers: storedHeaders(req), body };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.received++;
    const raw = await readBody(req);
    if (options.latencyMs) await sleep(options.latencyMs);

    const failure = injectedFailure();
    if (failure) {
      stats.injectedFailures++;
      if (failure === 'reset') req.socket.destroy();
      else if (failure === '429') answer(res, 429, 'Too Many Requests', { 'retry-after': String(options.retryAfterSeconds ?? 1) });
      else answer(res, Number(failure), failure === '503' ? 'Service Unavailable' : 'Internal Server Error');
      return;
    }

    let stored: StoredRequest;
    try {
      if (down === '401') throw new Refusal(401, 'Ingestion: Invalid cors or secret');
      stored = accept(req, raw);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      stats.rejected++;
      answer(res, error.status, { statusCode: error.status, message: error.message, ...(error.issues && { issues: error.issues }) });
      return;
    }
    if (options.textBody200) {
      stats.rejected++;
      answer(res, 200, 'Ingestion: Invalid cors or secret');
      return;
    }
    stats.accepted++;
    if (options.keepRequests !== false) requests.push(stored);
    if (stored.body.type === 'group') groups.set(stored.body.payload.id, mergeGroup(groups.get(stored.body.payload.id), stored.body.payload));
    const payload = stored.body.payload as { profileId?: string | number; properties?: Record<string, unknown> };
    const deviceId = String(payload.properties?.['__deviceId'] ?? `device-${payload.profileId ?? 'anonymous'}`);
    answer(res, 200, { deviceId, sessionId: `session-${deviceId}` });
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) answer(res, 500, String(error));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ''}`,
    clientId,
    clientSecret,
    requests,
    groups,
    stats,
    tracksOf: (profileId) =>
      requests.flatMap((r) => (r.body.type === 'track' && String(r.body.payload.profileId) === String(profileId) ? [r.body.payload] : [])),
    reset: () => {
      requests.length = 0;
      groups.clear();
      Object.assign(stats, { received: 0, injectedFailures: 0, rejected: 0, accepted: 0 });
      random = seededRandom(options.seed ?? 1);
      down = undefined;
    },
    outage: (kind) => {
      down = kind;
    },
    refuse: (rule) => {
      refusal = rule;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function storedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(req.headers)) {
    const value = header(req, name);
    if (name !== secretHeader && value !== undefined) headers[name] = value;
  }
  return headers;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
