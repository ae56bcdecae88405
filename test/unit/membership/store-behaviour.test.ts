import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { groupsAt } from '../../../src/membership/rules.js';
import { MemoryMembershipStore } from '../../../src/membership/memory-store.js';
import { SqliteMembershipStore } from '../../../src/state/sqlite/membership.js';
import type { GroupAssignment, MembershipStore } from '../../../src/membership/store.js';
import { openMemoryStateDb } from '../../support/memory-db.js';

const DAY = 86_400_000;

/** Each opener answers the store and what releases its resources after the test. */
const openers: [string, () => { store: MembershipStore; release: () => void }][] = [
  [
    'sqlite',
    () => {
      const db = openMemoryStateDb();
      return { store: new SqliteMembershipStore(db, { ttlMs: 90 * DAY }), release: () => db.close() };
    },
  ],
  [
    'sqlite in memory (bounded)',
    () => {
      const db = openMemoryStateDb();
      return { store: new SqliteMembershipStore(db, { ttlMs: 90 * DAY, maxKeys: 1000 }), release: () => db.close() };
    },
  ],
  ['plain memory (bounded)', () => ({ store: new MemoryMembershipStore({ maxKeys: 1000, ttlMs: 90 * DAY }), release: () => {} })],
];

describe.each(openers)('%s membership store', (_name, open) => {
  let store: MembershipStore;
  let release: () => void;
  beforeEach(() => {
    ({ store, release } = open());
  });
  afterEach(async () => {
    await store.close();
    release();
  });

  it('knows nothing of a new key', async () => {
    expect(await store.get('user_1')).toEqual([]);
  });

  it('returns the ids new for the key and keeps assignment order', async () => {
    expect(await store.assign('user_1', ['org_acme'], 100)).toEqual(['org_acme']);
    expect(await store.assign('user_1', ['org_acme', 'team_eng'], 200)).toEqual(['team_eng']);
    expect(await store.get('user_1')).toEqual([
      { groupId: 'org_acme', assignedAt: 100 },
      { groupId: 'team_eng', assignedAt: 200 },
    ]);
  });

  it('orders by event time, ties in arrival order, whatever order the calls arrive in', async () => {
    await store.assign('user_1', ['late'], 300);
    await store.assign('user_1', ['b', 'a'], 100);
    await store.assign('user_1', ['c'], 100);
    expect((await store.get('user_1')).map((x) => x.groupId)).toEqual(['b', 'a', 'c', 'late']);
  });

  it('keeps the earlier assignedAt when a backfill delivers the later call first', async () => {
    await store.assign('user_1', ['org_acme'], 500);
    expect(await store.assign('user_1', ['org_acme'], 100)).toEqual([]);
    expect(await store.assign('user_1', ['org_acme'], 900)).toEqual([]);
    expect(await store.get('user_1')).toEqual([{ groupId: 'org_acme', assignedAt: 100 }]);
  });

  it('tags a track by its own time: none before the assignment, the group at or after it', async () => {
    await store.assign('user_1', ['org_acme'], 1000);
    const assignments = await store.get('user_1');
    expect(groupsAt(assignments, 999)).toEqual([]);
    expect(groupsAt(assignments, 1000)).toEqual(['org_acme']);
    expect(groupsAt(assignments, 5000)).toEqual(['org_acme']);
  });

  it('never lets one key see another key’s groups', async () => {
    await store.assign('user_1', ['org_acme'], 100);
    await store.assign('user_2', ['org_globex'], 100);
    expect((await store.get('user_1')).map((x) => x.groupId)).toEqual(['org_acme']);
    expect((await store.get('user_2')).map((x) => x.groupId)).toEqual(['org_globex']);
    expect(await store.get('user_3')).toEqual([]);
  });

  it('a returned list cannot change the store (frozen or a copy)', async () => {
    await store.assign('user_1', ['org_acme'], 100);
    const got = (await store.get('user_1')) as GroupAssignment[];
    const tamper = (change: () => void): void => {
      try {
        change();
      } catch {
        // a frozen list refuses the change: fine as well
      }
    };
    tamper(() => (got[0]!.assignedAt = 0));
    tamper(() => got.push({ groupId: 'intruder', assignedAt: 0 }));
    expect(await store.get('user_1')).toEqual([{ groupId: 'org_acme', assignedAt: 100 }]);
  });

  describe('link', () => {
    it('copies the anonymous membership to the user, keeps the anonymous one, returns what is new', async () => {
      await store.assign('anon_1', ['org_acme', 'team_eng'], 100);
      await store.assign('user_1', ['team_eng'], 50);
      expect(await store.link('anon_1', 'user_1')).toEqual(['org_acme']);
      expect(await store.get('user_1')).toEqual([
        { groupId: 'team_eng', assignedAt: 50 },
        { groupId: 'org_acme', assignedAt: 100 },
      ]);
      expect((await store.get('anon_1')).map((x) => x.groupId)).toEqual(['org_acme', 'team_eng']);
    });

    it('keeps the earlier assignedAt of a group both keys hold', async () => {
      await store.assign('anon_1', ['org_acme'], 100);
      await store.assign('user_1', ['org_acme'], 400);
      expect(await store.link('anon_1', 'user_1')).toEqual([]);
      expect(await store.get('user_1')).toEqual([{ groupId: 'org_acme', assignedAt: 100 }]);
    });

    it('does not bleed into other keys', async () => {
      await store.assign('anon_1', ['org_acme'], 100);
      await store.assign('user_2', ['org_globex'], 100);
      await store.link('anon_1', 'user_1');
      expect((await store.get('user_2')).map((x) => x.groupId)).toEqual(['org_globex']);
      expect((await store.get('user_1')).map((x) => x.groupId)).toEqual(['org_acme']);
      // Later assignments stay with their own key.
      await store.assign('anon_1', ['late_anon'], 200);
      await store.assign('user_1', ['late_user'], 200);
      expect((await store.get('user_1')).map((x) => x.groupId)).toEqual(['org_acme', 'late_user']);
      expect((await store.get('anon_1')).map((x) => x.groupId)).toEqual(['org_acme', 'late_anon']);
    });

    it('is a no-op from an empty key or onto itself', async () => {
      expect(await store.link('anon_unknown', 'user_1')).toEqual([]);
      expect(await store.get('user_1')).toEqual([]);
      await store.assign('user_1', ['org_acme'], 100);
      expect(await store.link('user_1', 'user_1')).toEqual([]);
      expect(await store.get('user_1')).toEqual([{ groupId: 'org_acme', assignedAt: 100 }]);
    });
  });

  it('keeps a state per group', async () => {
    expect(await store.group('org_acme')).toBeUndefined();
    await store.upsertGroup({ id: 'org_acme', name: 'Acme', type: 'company', properties: { plan: 'free' } }, 1);
    await store.upsertGroup({ id: 'org_acme', name: 'Acme', type: 'company', properties: { plan: 'pro' } }, 2);
    await store.upsertGroup({ id: 'ws_1', name: 'Design', type: 'workspace' }, 3);
    expect(await store.group('org_acme')).toEqual({ groupId: 'org_acme', name: 'Acme', type: 'company', properties: { plan: 'pro' }, updatedAt: 2 });
    expect(await store.group('ws_1')).toEqual({ groupId: 'ws_1', name: 'Design', type: 'workspace', properties: {}, updatedAt: 3 });
    // Group states and membership keys live apart.
    expect(await store.get('org_acme')).toEqual([]);
  });

  it('a returned group state cannot change the store (frozen or a copy)', async () => {
    await store.upsertGroup({ id: 'org_acme', name: 'Acme', type: 'company', properties: { plan: 'free' } }, 1);
    const got = (await store.group('org_acme')) as { name: string; properties: Record<string, string> };
    for (const change of [() => (got.name = 'Tampered'), () => (got.properties['plan'] = 'pro'), () => (got.properties['extra'] = 'x')]) {
      try {
        change();
      } catch {
        // a frozen state refuses the change: fine as well
      }
    }
    expect(await store.group('org_acme')).toEqual({ groupId: 'org_acme', name: 'Acme', type: 'company', properties: { plan: 'free' }, updatedAt: 1 });
  });

  it('refuses calls once closed', async () => {
    await store.close();
    await expect(store.get('user_1')).rejects.toThrow(/closed/);
    await expect(store.assign('user_1', ['x'], 1)).rejects.toThrow(/closed/);
  });
});
