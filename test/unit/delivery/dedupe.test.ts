import { describe, expect, it, jest } from '@jest/globals';
import { requestKeys, type DedupeConfig, type DedupeStore } from '../../../src/delivery/dedupe.js';
import { SqliteDedupeStore } from '../../../src/state/sqlite/dedupe.js';
import { openMemoryStateDb } from '../../support/memory-db.js';
import { assignGroup, group, track } from './harness.js';

describe('requestKeys', () => {
  it('names each request by messageId, type and what it is about', () => {
    const identify = { headers: {}, body: { type: 'identify' as const, payload: { profileId: 42 } } };
    const assignTwo = { headers: {}, body: { type: 'assign_group' as const, payload: { groupIds: ['g1', 'g2'] } } };
    expect(requestKeys('m1', [group('acme'), assignGroup('acme'), track('Order Completed'), track('revenue'), identify, assignTwo])).toEqual([
      'm1:group:acme',
      'm1:assign_group:acme',
      'm1:track:Order Completed',
      'm1:track:revenue',
      'm1:identify:42',
      'm1:assign_group:g1,g2',
    ]);
  });

  it('keeps repeated requests of one event apart', () => {
    expect(requestKeys('m1', [track('A'), track('A'), track('A')])).toEqual(['m1:track:A', 'm1:track:A#2', 'm1:track:A#3']);
  });
});

const implementations: Array<[string, (config: DedupeConfig, now: () => number) => DedupeStore]> = [
  ['sqlite', (config, now) => new SqliteDedupeStore(openMemoryStateDb(), config, now)],
  ['sqlite in memory (bounded)', (config, now) => new SqliteDedupeStore(openMemoryStateDb(), config, now, true)],
];

describe.each(implementations)('%s dedupe store', (_name, open) => {
  const hour = 3_600_000;

  it('remembers delivered keys', async () => {
    const store = open({ dedupeTtlHours: 1, dedupeMaxIds: 100 }, () => 0);
    expect(await store.delivered(['a', 'b'])).toEqual(new Set());
    await store.markDelivered('a');
    expect(await store.delivered(['a', 'b'])).toEqual(new Set(['a']));
    expect(await store.delivered([])).toEqual(new Set());
  });

  it('forgets keys after the TTL', async () => {
    let time = 0;
    const store = open({ dedupeTtlHours: 2, dedupeMaxIds: 100 }, () => time);
    await store.markDelivered('old');
    time = hour;
    await store.markDelivered('new');
    time = 2 * hour + 1;
    expect(await store.delivered(['old', 'new'])).toEqual(new Set(['new']));
  });
});

describe('dedupe size cap', () => {
  const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];

  it('in memory keeps at most dedupeMaxIds keys, dropping the oldest, and warns once', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let time = 0;
    const store = new SqliteDedupeStore(openMemoryStateDb(), { dedupeTtlHours: 1, dedupeMaxIds: 3 }, () => time, true);
    for (const key of keys) {
      time += 1;
      await store.markDelivered(key);
    }
    expect(await store.delivered(keys)).toEqual(new Set(['k3', 'k4', 'k5']));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/more than dedupeMaxIds \(3\).*give a dataDir/);
    warn.mockRestore();
  });

  it('on disk never drops a key younger than the window: it warns instead', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const db = openMemoryStateDb();
    const config = { dedupeTtlHours: 1, dedupeMaxIds: 3 };
    const store = new SqliteDedupeStore(db, config, () => 1);
    for (const key of keys) await store.markDelivered(key);
    expect(await store.delivered(keys)).toEqual(new Set(keys));
    // The count is checked when the store opens and every 1000 writes.
    new SqliteDedupeStore(db, config, () => 2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/5 delivered request keys .* more than dedupeMaxIds \(3\); they are kept/);
    warn.mockRestore();
  });
});

describe('SqliteDedupeStore', () => {
  it('survives a restart on the same database', async () => {
    const db = openMemoryStateDb();
    const config = { dedupeTtlHours: 1, dedupeMaxIds: 100 };
    await new SqliteDedupeStore(db, config, () => 0).markDelivered('m1:track:A');
    expect(await new SqliteDedupeStore(db, config, () => 1).delivered(['m1:track:A'])).toEqual(new Set(['m1:track:A']));
  });
});
