import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { laneRequests } from '../../../src/delivery/lanes.js';
import type { NewOutboxEvent } from '../../../src/delivery/outbox.js';
import { configSchema } from '../../../src/config/schema.js';
import { createDestination } from '../../../src/entry/library/destination.js';
import { createDryRun } from '../../../src/entry/library/dry-run.js';
import { startFakeOpenPanel } from '../../support/fake-openpanel.js';
import type { OpenPanelRequest } from '../../../src/openpanel/contract.js';
import { StoreUnavailableError } from '../../../src/state/state-error.js';
import { openRedisState } from '../../../src/state/redis/index.js';
import type { State } from '../../../src/state/state.js';
import { testConfig } from '../delivery/harness.js';
import { deleteKeys, testPrefix, testRedisUrl } from '../../support/redis.js';

const prefixes: string[] = [];
const sharedPrefix = (what: string): string => {
  const prefix = testPrefix(what);
  prefixes.push(prefix);
  return prefix;
};
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(prefix);
});

const headers = { 'content-type': 'application/json' };
const track = (name: string, profileId: string): OpenPanelRequest => ({ headers, body: { type: 'track', payload: { name, profileId } } });
const event = (messageId: string, userKey: string, name: string): NewOutboxEvent => ({
  index: 0,
  messageId,
  userKey,
  event: { messageId },
  requests: laneRequests(messageId, userKey, [track(name, userKey)]),
});

async function drainLane(state: State, lane: string): Promise<string[]> {
  const names: string[] = [];
  for (;;) {
    const [entry] = await state.outbox.claim(1, Date.now(), 60_000);
    if (!entry) return names;
    expect(entry.lane).toBe(lane);
    if (entry.request.body.type === 'track') names.push(entry.request.body.payload.name);
    await state.outbox.settle([{ entry, settlement: { result: 'delivered', attempts: 1 } }], Date.now());
  }
}

describe('Redis state shared by several instances', () => {
  it('two instances committing into one user at once lose neither membership nor events, and keep each one’s order', async () => {
    const prefix = sharedPrefix('concurrent');
    const [a, b] = [openRedisState({ url: testRedisUrl, prefix }, testConfig()), openRedisState({ url: testRedisUrl, prefix }, testConfig())];
    const commits = (state: State, who: string) =>
      Array.from({ length: 50 }, (_, i) =>
        state.outbox.commit({
          membership: { merges: [['u1', [{ groupId: `${who}-${i}`, assignedAt: 1000 + i }]]] },
          events: [event(`${who}-${i}`, 'u1', `${who}-${i}`)],
          now: Date.now(),
        }),
      );
    // Interleaved on two connections: every commit is one script, so no read-merge-write is lost between them.
    await Promise.all([...commits(a, 'a'), ...commits(b, 'b')]);
    const groups = (await b.membership.get('u1')).map((g) => g.groupId);
    expect(groups).toHaveLength(100);
    expect(new Set(groups)).toEqual(new Set([...Array.from({ length: 50 }, (_, i) => `a-${i}`), ...Array.from({ length: 50 }, (_, i) => `b-${i}`)]));
    expect(await a.outbox.stats()).toMatchObject({ queuedEvents: 100, queuedRequests: 100 });
    const delivered = await drainLane(b, 'u:u1');
    expect(delivered).toHaveLength(100);
    for (const who of ['a', 'b']) {
      const mine = delivered.filter((name) => name.startsWith(`${who}-`));
      expect(mine).toEqual(Array.from({ length: 50 }, (_, i) => `${who}-${i}`));
    }
    await Promise.all([a.close(), b.close()]);
  });

  it("takes over a dead instance's lane once its lease expires, and only then", async () => {
    const prefix = sharedPrefix('lease');
    const dying = openRedisState({ url: testRedisUrl, prefix }, testConfig());
    const survivor = openRedisState({ url: testRedisUrl, prefix }, testConfig());
    await dying.outbox.commit({ membership: { merges: [] }, events: [event('m1', 'u1', 'first'), event('m2', 'u1', 'second')], now: 0 });
    const [inFlight] = await dying.outbox.claim(10, 1_000, 30_000);
    await dying.close(); // the process is gone; its lease is not
    expect(await survivor.outbox.claim(10, 30_999, 30_000)).toEqual([]);
    const [taken] = await survivor.outbox.claim(10, 31_000, 30_000);
    expect(taken).toMatchObject({ id: inFlight!.id, key: 'm1:track:first' });
    expect(await drainLane(survivor, 'u:u1')).toEqual(['first', 'second']);
    await survivor.close();
  });

  it('a late release or retry from an instance whose lease ran out leaves the new holder alone', async () => {
    const prefix = sharedPrefix('owner');
    const [slow, taker, third] = [0, 1, 2].map(() => openRedisState({ url: testRedisUrl, prefix }, testConfig()));
    await slow!.outbox.commit({ membership: { merges: [] }, events: [event('m1', 'u1', 'first')], now: 0 });
    const [late] = await slow!.outbox.claim(1, 0, 100);
    const [held] = await taker!.outbox.claim(1, 100, 10_000);
    expect(held!.id).toBe(late!.id);
    await slow!.outbox.settle([{ entry: late!, settlement: { result: 'released' } }], 150);
    await slow!.outbox.settle([{ entry: late!, settlement: { result: 'retry', at: 160, attempts: 1, firstAttemptAt: 0, last: { status: 503 } } }], 150);
    expect(await third!.outbox.claim(1, 200, 10_000)).toEqual([]);
    expect(await taker!.outbox.settle([{ entry: held!, settlement: { result: 'delivered', attempts: 1 } }], 200)).toEqual([
      expect.objectContaining({ status: 'delivered', attempts: 1 }),
    ]);
    await Promise.all([slow!.close(), taker!.close(), third!.close()]);
  });

  it('writes the dead letter of an event whose instance died between its failed settle and the dead letter', async () => {
    const prefix = sharedPrefix('finishing');
    const [dying, survivor] = [0, 1].map(() => openRedisState({ url: testRedisUrl, prefix }, testConfig()));
    await dying!.outbox.commit({ membership: { merges: [] }, events: [event('m1', 'u1', 'refused')], now: 0 });
    const [entry] = await dying!.outbox.claim(1, 0, 1_000);
    // The process dies after the settle script, before the one that writes the dead letter.
    (dying!.outbox as unknown as { scripts: Record<string, unknown> }).scripts.finish = () => Promise.reject(new Error('killed'));
    const failed = { result: 'failed' as const, reason: 'HTTP 400: bad', attempts: 1, firstAttemptAt: 0, last: { status: 400 } };
    await expect(dying!.outbox.settle([{ entry: entry!, settlement: failed }], 10)).rejects.toThrow();
    expect(await survivor!.outbox.stats()).toMatchObject({ queuedEvents: 1, queuedRequests: 0, deadLetters: 0 });
    await survivor!.outbox.claim(10, 500, 1_000); // too soon: the finisher may still be alive
    expect(await survivor!.deadLetters.count()).toBe(0);
    await survivor!.outbox.claim(10, 1_010, 1_000);
    const [letter] = await survivor!.deadLetters.list();
    expect(letter).toMatchObject({ messageId: 'm1', reason: 'track: HTTP 400: bad', requests: [track('refused', 'u1')] });
    expect(await survivor!.outbox.stats()).toMatchObject({ queuedEvents: 0, deadLetters: 1 });
    await Promise.all([dying!.close(), survivor!.close()]);
  });

  it('transformer replicas on one Redis share membership, apart per destination', async () => {
    const store = { type: 'redis' as const, url: testRedisUrl, prefix: sharedPrefix('transformer') };
    const config = configSchema.parse({ clientId: '0b3c1d9e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', clientSecret: 'sec_x' });
    const [one, two, other] = [
      await createDryRun(config, { store, scope: 'dest-1' }),
      await createDryRun(config, { store, scope: 'dest-1' }),
      await createDryRun(config, { store, scope: 'dest-2' }),
    ];
    await one.transformEvent({ type: 'group', userId: 'u1', groupId: 'acme', traits: { name: 'Acme' }, timestamp: '2026-01-01T00:00:00Z' }, 0);
    const tracked = await two.transformEvent({ type: 'track', userId: 'u1', event: 'Paid', timestamp: '2026-01-02T00:00:00Z' }, 1);
    const elsewhere = await other.transformEvent({ type: 'track', userId: 'u1', event: 'Paid', timestamp: '2026-01-02T00:00:00Z' }, 1);
    const groupsOf = (result: typeof tracked) =>
      result.status === 'ok' ? result.requests.map((r) => (r.body.type === 'track' ? r.body.payload.groups : undefined)) : result;
    expect(groupsOf(tracked)).toEqual([['acme']]);
    expect(groupsOf(elsewhere)).toEqual([undefined]);
    await Promise.all([one.close(), two.close(), other.close()]);
  });
});

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private redis-server with AOF (appendfsync always), as the README asks for production. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
    { stdio: 'ignore' },
  );
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`redis-server on ${port} did not start`);
}

describe('Redis unavailable', () => {
  it('rejects a commit within seconds with an error naming the server, never the password', async () => {
    const port = await freePort(); // nothing listens there
    const state = openRedisState({ url: `redis://:hunter2@127.0.0.1:${port}/0`, prefix: 'x:' }, testConfig());
    const started = Date.now();
    const commit = state.outbox.commit({ membership: { merges: [] }, events: [event('m1', 'u1', 'a')], now: 0 });
    await expect(commit).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(commit).rejects.toThrow(new RegExp(`^Redis at 127\\.0\\.0\\.1:${port}/0: unavailable \\(not reachable\\): nothing of this call was accepted`));
    await expect(commit).rejects.not.toThrow(/hunter2/);
    expect(Date.now() - started).toBeLessThan(20_000);
    await state.close();
  });

  it('keeps what it acknowledged through a Redis crash: commits fail while it is down, then everything is still queued', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'opd-redis-'));
    let server = await startRedis(port, dir);
    const state = openRedisState({ url: `redis://127.0.0.1:${port}`, prefix: 'crash:' }, testConfig());
    try {
      await state.outbox.commit({
        membership: { merges: [['u1', [{ groupId: 'acme', assignedAt: 1 }]]] },
        events: [event('m1', 'u1', 'a'), event('m2', 'u1', 'b')],
        now: 0,
      });
      server.kill('SIGKILL');
      await new Promise((resolve) => server.once('exit', resolve));
      await expect(state.outbox.commit({ membership: { merges: [] }, events: [event('m3', 'u1', 'c')], now: 0 })).rejects.toBeInstanceOf(StoreUnavailableError);
      server = await startRedis(port, dir);
      // The client reconnects by itself; the acknowledged events and membership came back from the AOF.
      let stats;
      for (let i = 0; i < 50 && !stats; i++) stats = await state.outbox.stats().catch(() => sleep(200).then(() => undefined));
      expect(stats).toMatchObject({ queuedEvents: 2, queuedRequests: 2 });
      expect(await state.membership.get('u1')).toEqual([{ groupId: 'acme', assignedAt: 1 }]);
      expect(await drainLane(state, 'u:u1')).toEqual(['a', 'b']);
    } finally {
      await state.close();
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a destination outlives a Redis outage: intake refuses while it is down, delivery resumes after, nothing acknowledged is lost', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'opd-redis-'));
    let server = await startRedis(port, dir);
    const fake = await startFakeOpenPanel({ latencyMs: 20 });
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const destination = createDestination(
      {
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        apiUrl: fake.url,
        concurrency: 4,
        timeoutMs: 1_000,
        store: { type: 'redis', url: `redis://127.0.0.1:${port}`, prefix: 'outage:' },
      },
      {},
    );
    const tracks = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({
        type: 'track',
        messageId: `m${from + i}`,
        userId: `u${(from + i) % 5}`,
        event: 'Tick',
        properties: { n: from + i },
      }));
    try {
      expect((await destination.send(tracks(0, 200), { until: 'accepted' })).every((o) => o.status === 'accepted')).toBe(true);
      await until(() => fake.requests.length > 20);
      server.kill('SIGKILL');
      await new Promise((resolve) => server.once('exit', resolve));
      await expect(destination.accept(tracks(200, 210))).rejects.toBeInstanceOf(StoreUnavailableError);
      server = await startRedis(port, dir);
      await until(() => new Set(fake.requests.map((r) => (r.body.type === 'track' ? r.body.payload.properties?.n : undefined))).size === 200);
      expect(warn.mock.calls.some(([message]) => /^delivery: Redis at 127\.0\.0\.1:\d+: unavailable/.test(String(message)))).toBe(true);
      // Each user's ticks in order; a request on the wire when Redis died may have gone twice, nothing more.
      for (let u = 0; u < 5; u++) {
        const ns = fake
          .tracksOf(`u${u}`)
          .map((t) => t.properties?.n as number)
          .filter((n, i, all) => i === 0 || n !== all[i - 1]);
        expect(ns).toEqual(Array.from({ length: 40 }, (_, i) => i * 5 + u));
      }
      expect(fake.requests.length - 200).toBeLessThanOrEqual(4);
    } finally {
      await destination.close(0);
      warn.mockRestore();
      await fake.close();
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}
