import { describe, expect, it } from '@jest/globals';
import { Deliverer, type DeliveryHealth } from '../../../src/delivery/deliverer.js';
import { laneRequests } from '../../../src/delivery/lanes.js';
import { readStoredRequest, type FinalOutcome, type Outbox, type OutboxEntry } from '../../../src/delivery/outbox.js';
import { openSqliteState } from '../../../src/state/sqlite/index.js';
import { fakeClock, fakeOpenPanel, job, newDeliverer, testConfig, track, until, useNock, type Reply } from './harness.js';

const ok: Reply = [200, { deviceId: 'd', sessionId: 's' }];

useNock();

describe('Deliverer: outages', () => {
  it('failures across many users stop the retries: one request probes, and its success releases every backoff at once', async () => {
    const { clock, now } = fakeClock();
    const start = clock.time;
    // Short waits (probe intervals) pass at once on the fake clock; a backoff (minutes here) ends only when the
    // deliverer is woken, so every request delivered proves its backoff was released, not waited out.
    const sleep = async (ms: number, signal: AbortSignal): Promise<void> => {
      if (ms >= 10_000) return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      clock.delays.push(ms);
      clock.time += ms;
    };
    let failures = 13;
    const api = fakeOpenPanel(() => (failures-- > 0 ? [503, 'Service Unavailable'] : ok));
    const healths: DeliveryHealth[] = [];
    const config = testConfig({ concurrency: 8, backoffBaseMs: 120_000, backoffMaxMs: 600_000, outageProbeMs: 1_000 });
    const { deliverer, deliver } = newDeliverer(config, { sleep, now, onChange: () => healths.push(deliverer.health) });
    const users = Array.from({ length: 12 }, (_, i) => `user${i}`);
    const outcomes = await Promise.all(users.map((user, i) => deliver(job(i, `m${i}`, user, [track(`E${i}`, user)]))));
    expect(outcomes.every((outcome) => outcome.status === 'delivered')).toBe(true);
    expect(healths).toContainEqual({
      healthy: false,
      status: 'degraded',
      reason: expect.stringMatching(/^OpenPanel failing for many users \(HTTP 503.*\): one request probes every 1000 ms$/),
      cause: 'outage',
      ready: true,
    });
    expect(deliverer.health).toEqual({ healthy: true, status: 'ok', ready: true });
    // Every user's first attempt fails (8 in flight, then the other 4 as slots free; the 10th failure trips it);
    // then one probe a second: the first fails, the second passes and releases the 11 users waiting on backoff.
    expect(clock.delays).toEqual([1_000, 1_000]);
    expect(api.received).toHaveLength(13 + users.length);
    expect(clock.time - start).toBe(2_000);
    await deliverer.close();
  });

  it("a single user's failing request keeps its own backoff and does not slow the others", async () => {
    const { clock, sleep, now } = fakeClock();
    const api = fakeOpenPanel((body) => (body.type === 'track' && body.payload.name === 'Bad' ? [500, 'boom'] : ok));
    const healths: DeliveryHealth[] = [];
    const { deliverer, deliver } = newDeliverer(testConfig({ maxAttempts: 4, backoffBaseMs: 1_000 }), {
      sleep,
      now,
      onChange: () => healths.push(deliverer.health),
    });
    const bad = deliver(job(0, 'bad', 'u0', [track('Bad', 'u0')]));
    const good = await Promise.all([1, 2, 3, 4, 5].map((i) => deliver(job(i, `m${i}`, `u${i}`, [track(`E${i}`, `u${i}`)]))));
    expect(good.every((outcome) => outcome.status === 'delivered')).toBe(true);
    expect(await bad).toMatchObject({ status: 'dead_lettered', attempts: 4 });
    expect(healths.every((health) => health.healthy)).toBe(true);
    // Its own exponential backoff (random 0.5 of 1 s, 2 s, 4 s), no probe interval.
    expect(clock.delays.filter((ms) => ms >= 500)).toEqual([500, 1_000, 2_000]);
    expect(api.names().filter((name) => name === 'Bad')).toHaveLength(4);
    await deliverer.close();
  });
});

describe('Deliverer: one request cannot stop the others', () => {
  /** A deliverer over a real outbox whose `claim` a test can tamper with. */
  function withOutbox(tamper: (outbox: Outbox) => Outbox) {
    const { sleep, now } = fakeClock();
    const config = testConfig();
    const state = openSqliteState(undefined, config, { now });
    const outbox = tamper(state.outbox);
    const finals: FinalOutcome[] = [];
    const healths: DeliveryHealth[] = [];
    const loopFailures: string[] = [];
    const deliverer = new Deliverer({
      config,
      outbox,
      transport: 'http',
      sleep,
      now,
      random: () => 0.5,
      onFinal: (final) => finals.push(final),
      onChange: () => healths.push(deliverer.health),
      observer: { onLoopFailure: (error) => loopFailures.push(error.message) },
    });
    const commit = (i: number, user: string) =>
      state.outbox.commit({
        membership: { merges: [] },
        events: [{ index: i, messageId: `m${i}`, userKey: user, event: {}, requests: laneRequests(`m${i}`, user, [track(`E${i}`, user)]) }],
        now: now(),
      });
    return { deliverer, finals, healths, loopFailures, commit, deadLetters: state.deadLetters };
  }

  it('a request that cannot be sent (here: not serialisable) is dead-lettered with why; the next ones are delivered', async () => {
    fakeOpenPanel();
    // The poison exists only between claim and settle: what the outbox stored and records is the request as committed.
    const stored = new WeakMap<OutboxEntry, OutboxEntry>();
    const { deliverer, finals, commit, deadLetters } = withOutbox((outbox) =>
      Object.assign(Object.create(outbox) as Outbox, {
        claim: async (...args: Parameters<Outbox['claim']>) =>
          (await outbox.claim(...args)).map((entry) => {
            if (entry.lane !== 'u:poison') return entry;
            const poisoned: OutboxEntry = {
              ...entry,
              request: { ...entry.request, body: { type: 'track', payload: { n: 1n } } } as unknown as OutboxEntry['request'],
            };
            stored.set(poisoned, entry);
            return poisoned;
          }),
        settle: async (settlements: Parameters<Outbox['settle']>[0], now: number) =>
          outbox.settle(
            settlements.map(({ entry, settlement }) => ({ entry: stored.get(entry) ?? entry, settlement })),
            now,
          ),
      }),
    );
    await commit(0, 'poison');
    await commit(1, 'poison');
    await commit(2, 'other');
    deliverer.start();
    await until(() => finals.length === 3);
    expect(finals.map(({ messageId, status }) => [messageId, status])).toEqual(
      expect.arrayContaining([
        ['m0', 'dead_lettered'],
        ['m1', 'dead_lettered'],
        ['m2', 'delivered'],
      ]),
    );
    expect((await deadLetters.list())[0]).toMatchObject({ messageId: 'm0', reason: expect.stringMatching(/^track: could not be sent: .*BigInt/) });
    await deliverer.close();
  });

  it('a request the outbox could not read back is dead-lettered with why, unsent; the next ones are delivered', async () => {
    const api = fakeOpenPanel();
    const { deliverer, finals, commit, deadLetters } = withOutbox((outbox) =>
      Object.assign(Object.create(outbox) as Outbox, {
        claim: async (...args: Parameters<Outbox['claim']>) =>
          (await outbox.claim(...args)).map((entry) => (entry.key.startsWith('m0:') ? { ...entry, ...readStoredRequest('{"half') } : entry)),
      }),
    );
    await commit(0, 'damaged');
    await commit(1, 'damaged');
    deliverer.start();
    await until(() => finals.length === 2);
    expect(finals.map(({ messageId, status }) => [messageId, status])).toEqual([
      ['m0', 'dead_lettered'],
      ['m1', 'delivered'],
    ]);
    expect((await deadLetters.list())[0]).toMatchObject({
      messageId: 'm0',
      reason: expect.stringMatching(/^unreadable: the queued request could not be read back: not JSON/),
      attempts: 0,
    });
    expect(api.names()).toEqual(['E1']);
    await deliverer.close();
  });

  it('a delivery loop that keeps failing makes health degraded with the reason and is reported; it recovers by itself', async () => {
    const api = fakeOpenPanel();
    let broken = 3;
    const { deliverer, finals, healths, loopFailures, commit } = withOutbox((outbox) =>
      Object.assign(Object.create(outbox) as Outbox, {
        claim: async (...args: Parameters<Outbox['claim']>) => {
          if (broken-- > 0) throw new Error('database disk image is malformed');
          return outbox.claim(...args);
        },
      }),
    );
    await commit(0, 'u1');
    deliverer.start();
    await until(() => finals.length === 1);
    expect(healths).toContainEqual({
      healthy: false,
      status: 'degraded',
      reason: 'delivery failing: database disk image is malformed; trying again every 1 s',
      cause: 'delivery',
      ready: false,
    });
    expect(loopFailures).toEqual(Array(3).fill('database disk image is malformed'));
    expect(deliverer.health).toEqual({ healthy: true, status: 'ok', ready: true });
    expect(api.received).toHaveLength(1);
    await deliverer.close();
  });
});
