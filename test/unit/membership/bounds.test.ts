import { describe, expect, it } from '@jest/globals';
import { MemoryMembershipStore } from '../../../src/membership/memory-store.js';
import type { MembershipStore } from '../../../src/membership/store.js';
import { SqliteMembershipStore } from '../../../src/state/sqlite/membership.js';
import { openMemoryStateDb } from '../../support/memory-db.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** Membership in memory, bounded by membershipMaxKeys, idle keys forgotten: the dry run's store and the library's without a dataDir. */
const kinds: Array<[string, (maxKeys: number, ttlMs: number, now?: () => number) => MembershipStore]> = [
  ['plain memory (dry runs)', (maxKeys, ttlMs, now) => new MemoryMembershipStore({ maxKeys, ttlMs, now })],
  ['sqlite in memory (the library without a dataDir)', (maxKeys, ttlMs, now) => new SqliteMembershipStore(openMemoryStateDb(), { maxKeys, ttlMs, now })],
];

describe.each(kinds)('membership in memory, %s: bounds', (_name, bounded) => {
  it('evicts the least recently used key beyond maxKeys', async () => {
    const t = clock();
    const store = bounded(2, 60_000, t.now);
    await store.assign('a', ['g'], 1);
    t.advance(1);
    await store.assign('b', ['g'], 1);
    t.advance(1);
    await store.get('a'); // a is now more recent than b
    t.advance(1);
    await store.assign('c', ['g'], 1);
    expect(await store.get('b')).toEqual([]);
    expect((await store.get('a')).length).toBe(1);
    expect((await store.get('c')).length).toBe(1);
  });

  it('keeps exactly the maxKeys most recently touched keys, in any order of reads and writes', async () => {
    const t = clock();
    const store = bounded(5, 60_000, t.now);
    let touched: string[] = []; // the model: least recently touched first
    const touch = (key: string) => (touched = [...touched.filter((k) => k !== key), key].slice(-5));
    let seed = 7;
    for (let step = 0; step < 300; step++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const key = `k${(seed >> 8) % 9}`;
      t.advance(1);
      if ((seed >> 16) % 3 === 0) {
        await store.assign(key, ['g'], 1);
        touch(key);
      } else {
        const held = (await store.get(key)).length > 0;
        expect([key, held]).toEqual([key, touched.includes(key)]);
        if (held) touch(key);
      }
    }
  });

  it('forgets a key idle for ttlMs, while reads keep an active key alive', async () => {
    const t = clock();
    const store = bounded(10, 1000, t.now);
    await store.assign('idle', ['g'], 1);
    await store.assign('active', ['g'], 1);
    t.advance(600);
    await store.get('active');
    t.advance(600);
    expect(await store.get('idle')).toEqual([]);
    expect((await store.get('active')).length).toBe(1);
    t.advance(999);
    expect((await store.get('active')).length).toBe(1);
    t.advance(1000);
    expect(await store.get('active')).toEqual([]);
  });

  it('an expired key starts afresh: its old groups do not come back', async () => {
    const t = clock();
    const store = bounded(10, 1000, t.now);
    await store.assign('u', ['old'], 1);
    t.advance(1000);
    expect(await store.assign('u', ['new'], 2)).toEqual(['new']);
    expect((await store.get('u')).map((x) => x.groupId)).toEqual(['new']);
  });

  it('bounds and expires group states the same way', async () => {
    const t = clock();
    const store = bounded(2, 1000, t.now);
    for (const id of ['g1', 'g2', 'g3']) {
      await store.upsertGroup({ id, name: id, type: 'company' }, t.now());
      t.advance(1);
    }
    expect(await store.group('g1')).toBeUndefined();
    expect(await store.group('g3')).toMatchObject({ groupId: 'g3' });
    t.advance(1000);
    expect(await store.group('g2')).toBeUndefined();
    expect(await store.group('g3')).toBeUndefined();
  });

  it('rejects nonsensical bounds', () => {
    expect(() => bounded(0, 1)).toThrow(RangeError);
    expect(() => bounded(1, 0)).toThrow(RangeError);
  });
});
