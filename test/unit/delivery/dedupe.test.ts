import { describe, expect, it, jest } from '@jest/globals';
import { requestKeys, type DedupeConfig, type DedupeStore } from '../../../src/delivery/dedupe.js';
import type { StateDb } from '../../../src/state/sqlite/db.js';
import { SqliteDedupeStore } from '../../../src/state/sqlite/dedupe.js';
import { fingerprint } from '../../../src/state/sqlite/fingerprint-index.js';
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
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/4 delivered request keys .* more than dedupeMaxIds \(3\); they are kept/);
    // A process opening the file says it once too.
    new SqliteDedupeStore(db, config, () => 2);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[1]?.[0])).toMatch(/5 delivered request keys/);
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

describe('SqliteDedupeStore: keys appended in delivery order, found by fingerprint', () => {
  const config = { dedupeTtlHours: 1, dedupeMaxIds: 100_000 };
  const hour = 3_600_000;
  const rowCount = (db: StateDb) => (db.prepare('SELECT count(*) AS n FROM delivered_keys').get() as { n: number }).n;

  // Two keys of one fingerprint (the first pair of this family: found by trying them in order).
  const [a, b] = ['m763399:track:Order Completed', 'm1109514:track:Order Completed'];

  it('tells apart keys of one fingerprint by reading their rows', async () => {
    expect(fingerprint(a)).toBe(fingerprint(b));
    const store = new SqliteDedupeStore(openMemoryStateDb(), config, () => 0);
    await store.markDelivered(a);
    expect(await store.delivered([a, b])).toEqual(new Set([a]));
    await store.markDelivered(b);
    expect(await store.delivered([a, b, 'c'])).toEqual(new Set([a, b]));
  });

  it('finds every key through the index rebuilds as it grows, and no other', async () => {
    const db = openMemoryStateDb();
    const store = new SqliteDedupeStore(db, config, () => 0);
    const marked = Array.from({ length: 5000 }, (_, i) => `m${i}:track:A`);
    for (const key of marked) store.mark(key);
    expect(await store.delivered(marked)).toEqual(new Set(marked));
    expect(await store.delivered(marked.map((key) => `${key}#2`))).toEqual(new Set());
    expect(await new SqliteDedupeStore(db, config, () => 0).delivered(marked)).toEqual(new Set(marked));
  });

  it('moves a key marked again to the end with its new time, keeping one row', async () => {
    let time = 0;
    const db = openMemoryStateDb();
    const store = new SqliteDedupeStore(db, config, () => time);
    await store.markDelivered('a');
    time = hour / 2;
    await store.markDelivered('b');
    time = hour - 1;
    await store.markDelivered('a');
    time = hour + 1;
    expect(await store.delivered(['a', 'b'])).toEqual(new Set(['a', 'b']));
    expect(db.prepare('SELECT key FROM delivered_keys ORDER BY id').pluck().all()).toEqual(['b', 'a']);
    time = hour + hour / 2 + 1;
    expect(await store.delivered(['a', 'b'])).toEqual(new Set(['a']));
  });

  it('deletes expired rows from the oldest as it writes', () => {
    let time = 0;
    const db = openMemoryStateDb();
    const store = new SqliteDedupeStore(db, config, () => time);
    for (let i = 0; i < 1500; i++) store.mark(`old${i}`);
    time = hour + 1;
    // The sweep runs every 1000 writes (here at the 500th new one): by the last of these, the 1500 old rows are gone.
    for (let i = 0; i < 1000; i++) store.mark(`new${i}`);
    expect(rowCount(db)).toBe(1000);
    expect(store.has('old1499')).toBe(false);
    expect(store.has('new999')).toBe(true);
  });

  it('after a rolled-back transaction, knows only what the file kept', async () => {
    const db = openMemoryStateDb();
    const store = new SqliteDedupeStore(db, config, () => 0);
    await store.markDelivered('kept');
    const failing = db.transaction(() => {
      store.mark('kept'); // moved: its old row deleted, its slot pointed at the new row
      for (let i = 0; i < 2000; i++) store.mark(`lost${i}`); // the index grows, from rows that roll back
      throw new Error('disk full');
    });
    expect(failing).toThrow('disk full');
    store.reload();
    expect(await store.delivered(['kept', 'lost0', 'lost1999'])).toEqual(new Set(['kept']));
    expect(rowCount(db)).toBe(1);
  });
});

describe('SqliteDedupeStore: a state file keyed by the keys (before delivered_keys)', () => {
  it('moves its keys, oldest first, and drops the old table', async () => {
    const db = openMemoryStateDb();
    db.exec(`
      CREATE TABLE delivery_dedupe (key TEXT PRIMARY KEY, delivered_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX delivery_dedupe_at ON delivery_dedupe (delivered_at);
      INSERT INTO delivery_dedupe VALUES ('young', 3000), ('expired', 1000), ('middle', 2000);
    `);
    const store = new SqliteDedupeStore(db, { dedupeTtlHours: 1, dedupeMaxIds: 100 }, () => 3_600_000 + 1500);
    expect(await store.delivered(['young', 'expired', 'middle'])).toEqual(new Set(['young', 'middle']));
    expect(db.prepare('SELECT key FROM delivered_keys ORDER BY id').pluck().all()).toEqual(['middle', 'young']);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'delivery_dedupe%'").all()).toEqual([]);
  });
});
