import { describe, expect, it } from '@jest/globals';
import { SqliteDeadLetterStore } from '../../../src/delivery/dead-letters-sqlite.js';
import { SqliteDedupeStore } from '../../../src/delivery/dedupe-sqlite.js';
import { replayDeadLetters } from '../../../src/delivery/replay.js';
import { openMemoryStateDb } from '../../support/memory-db.js';
import { assignGroup, fakeOpenPanel, group, job, newDeliverer, secret, testConfig, track, useNock, type Reply } from './harness.js';

const ok: Reply = [200, { deviceId: 'd', sessionId: 's' }];

useNock();

describe('replayDeadLetters', () => {
  it('after the API is fixed, delivers every dead letter (only its undelivered requests) and empties the store', async () => {
    let down = true;
    const api = fakeOpenPanel((body) => (down && body.type !== 'track' ? [503, 'maintenance'] : ok));
    const db = openMemoryStateDb();
    const config = testConfig({ maxAttempts: 2 });
    const { deliverer, deadLetters } = newDeliverer(config, { dedupe: new SqliteDedupeStore(db, config), deadLetters: new SqliteDeadLetterStore(db) });
    const outcomes = await Promise.all([
      deliverer.deliver(job(0, 'm1', 'u1', [track('Joined'), group('acme'), assignGroup('acme')])),
      deliverer.deliver(job(1, 'm2', 'u2', [group('beta')])),
      deliverer.deliver(job(2, 'm3', 'u2', [track('Clicked', 'u2')])),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['dead_lettered', 'dead_lettered', 'delivered']);
    const undelivered = Object.fromEntries((await deadLetters.list()).map((record) => [record.messageId, record.requests.map((r) => r.body.type)]));
    expect(undelivered).toEqual({ m1: ['group', 'assign_group'], m2: ['group'] });
    expect(JSON.stringify(await deadLetters.list())).not.toContain(secret);

    down = false;
    api.received.length = 0;
    expect(await replayDeadLetters(deliverer, deadLetters)).toEqual({ delivered: 2, failed: 0 });
    expect(api.names().sort()).toEqual(['assign_group', 'group', 'group']);
    expect(await deadLetters.count()).toBe(0);
    await deliverer.close();
  });

  it('replaces a record that fails again with one counting all attempts since the first', async () => {
    fakeOpenPanel(() => [400, 'Invalid type']);
    const { deliverer, deadLetters } = newDeliverer(testConfig());
    await deliverer.deliver(job(7, 'm1', 'u1', [group('acme')]));
    const [before] = await deadLetters.list();

    expect(await replayDeadLetters(deliverer, deadLetters)).toEqual({ delivered: 0, failed: 1 });
    const after = await deadLetters.list();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ messageId: 'm1', userKey: 'u1', index: 7, attempts: 2, firstAttemptAt: before?.firstAttemptAt, requests: [group('acme')] });
    expect(after[0]?.id).not.toBe(before?.id);
    await deliverer.close();
  });

  it('counts a dead letter whose requests were delivered meanwhile as delivered, without sending it again', async () => {
    const api = fakeOpenPanel((_body, n) => (n === 1 ? [500, 'blip'] : ok));
    const { deliverer, deadLetters } = newDeliverer(testConfig({ maxAttempts: 1 }));
    await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]));
    await deliverer.deliver(job(0, 'm1', 'u1', [track('A')]));
    expect(api.received).toHaveLength(2);
    expect(await replayDeadLetters(deliverer, deadLetters)).toEqual({ delivered: 1, failed: 0 });
    expect(api.received).toHaveLength(2);
    expect(await deadLetters.count()).toBe(0);
    await deliverer.close();
  });
});
