import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { NewDeadLetter } from '../../src/delivery/dead-letters.js';
import { groupsAt } from '../../src/membership/rules.js';
import { MemoryMembershipStore } from '../../src/membership/memory-store.js';
import type { MembershipStore } from '../../src/membership/store.js';
import type { State } from '../../src/state/state.js';
import { backends, contractConfig, type OpenedState } from './backends.js';

const letter = (messageId: string): NewDeadLetter => ({
  messageId,
  userKey: 'u1',
  index: 0,
  // eslint-disable-next-line no-loss-of-precision -- deliberately past 2^53: the stores keep the number JSON.parse made of it
  event: { messageId, type: 'track', event: 'x', properties: { big: 12345678901234567890, empty: [] } },
  requests: [{ headers: { 'content-type': 'application/json' }, body: { type: 'track', payload: { name: 'x' } } }],
  lastResponse: { status: 400, body: 'no' },
  attempts: 1,
  reason: 'refused',
  firstAttemptAt: '2026-01-01T00:00:00.000Z',
  lastAttemptAt: '2026-01-01T00:00:01.000Z',
});

describe.each(backends)('%s stores (contract)', (_name, open) => {
  let time: number;
  let opened: OpenedState;
  let state: State;
  beforeEach(() => {
    time = 1_700_000_000_000;
    opened = open(() => time);
    ({ state } = opened);
  });
  afterEach(() => opened.dispose());

  describe('delivered keys', () => {
    it('remembers keys for the dedupe window, then forgets them', async () => {
      const { dedupe } = state;
      expect(await dedupe.delivered([])).toEqual(new Set());
      await dedupe.markDelivered('k1');
      time += 1_800_000;
      await dedupe.markDelivered('k2');
      expect(await dedupe.delivered(['k1', 'k2', 'k3'])).toEqual(new Set(['k1', 'k2']));
      time += 1_800_001;
      expect(await dedupe.delivered(['k1', 'k2'])).toEqual(new Set(['k2']));
    });
  });

  describe('dead letters', () => {
    it('keeps records whole, lists them oldest first, pages on, gets one by id and removes them', async () => {
      const { deadLetters } = state;
      const ids = [];
      for (const messageId of ['m1', 'm2', 'm3']) ids.push(await deadLetters.add(letter(messageId)));
      expect(await deadLetters.count()).toBe(3);
      const all = await deadLetters.list();
      expect(all.map((r) => r.messageId)).toEqual(['m1', 'm2', 'm3']);
      expect(all[0]).toEqual({ ...letter('m1'), id: ids[0] });
      expect(await deadLetters.get(ids[1]!)).toEqual({ ...letter('m2'), id: ids[1] });
      expect(await deadLetters.get('missing')).toBeUndefined();
      expect((await deadLetters.list({ limit: 1, afterId: ids[0] })).map((r) => r.messageId)).toEqual(['m2']);
      expect(await deadLetters.remove([ids[1]!, 'missing'])).toBe(1);
      expect((await deadLetters.list()).map((r) => r.messageId)).toEqual(['m1', 'm3']);
      expect(await deadLetters.count()).toBe(2);
    });
  });
});

/** The membership contract also binds the store dry runs keep in a Map (no outbox beside it). */
const membershipBackends: Array<[name: string, open: (now: () => number) => { membership: MembershipStore; dispose(): Promise<void> }]> = [
  ...backends.map(([name, open]): (typeof membershipBackends)[number] => [
    name,
    (now) => {
      const opened = open(now);
      return { membership: opened.state.membership, dispose: () => opened.dispose() };
    },
  ]),
  [
    'in memory (dry runs)',
    (now) => {
      const membership = new MemoryMembershipStore({ ttlMs: contractConfig.membershipTtlDays * 86_400_000, maxKeys: contractConfig.membershipMaxKeys, now });
      return { membership, dispose: () => membership.close() };
    },
  ],
];

describe.each(membershipBackends)('%s membership (contract)', (_name, open) => {
  let membership: MembershipStore;
  let dispose: () => Promise<void>;
  beforeEach(() => {
    ({ membership, dispose } = open(() => 1_700_000_000_000));
  });
  afterEach(() => dispose());

  it('merges by event time, keeping the earliest assignedAt, ties in arrival order', async () => {
    expect(await membership.get('u1')).toEqual([]);
    expect(await membership.assign('u1', ['late'], 300)).toEqual(['late']);
    expect(await membership.assign('u1', ['b', 'a'], 100)).toEqual(['b', 'a']);
    expect(await membership.assign('u1', ['c', 'late'], 100)).toEqual(['c']);
    expect(await membership.assign('u1', ['a'], 900)).toEqual([]);
    expect(await membership.get('u1')).toEqual([
      { groupId: 'b', assignedAt: 100 },
      { groupId: 'a', assignedAt: 100 },
      { groupId: 'c', assignedAt: 100 },
      { groupId: 'late', assignedAt: 100 },
    ]);
    expect(groupsAt(await membership.get('u1'), 99)).toEqual([]);
  });

  it('links one key into another without bleeding into others', async () => {
    await membership.assign('anon', ['acme'], 50);
    await membership.assign('user', ['beta'], 10);
    expect(await membership.link('anon', 'user')).toEqual(['acme']);
    expect(await membership.link('nobody', 'user')).toEqual([]);
    expect(await membership.link('user', 'user')).toEqual([]);
    expect((await membership.get('user')).map((a) => a.groupId)).toEqual(['beta', 'acme']);
    expect(await membership.get('anon')).toEqual([{ groupId: 'acme', assignedAt: 50 }]);
    expect(await membership.get('other')).toEqual([]);
  });

  it('reads many keys at once, where the store offers it, as it reads one', async () => {
    await membership.assign('u1', ['a'], 1);
    await membership.assign('u2', ['b', 'c'], 2);
    if (!membership.getMany) return;
    expect(await membership.getMany(['u2', 'nobody', 'u1'])).toEqual([await membership.get('u2'), [], await membership.get('u1')]);
  });

  it('applies a change set', async () => {
    await membership.apply({
      merges: [
        [
          'u1',
          [
            { groupId: 'g2', assignedAt: 20 },
            { groupId: 'g1', assignedAt: 10 },
          ],
        ],
      ],
    });
    expect((await membership.get('u1')).map((a) => a.groupId)).toEqual(['g1', 'g2']);
  });

  it('keeps each group as OpenPanel merges its upserts: name and type as sent, properties merged and flattened', async () => {
    expect(await membership.group('acme')).toBeUndefined();
    const first = await membership.upsertGroup({ id: 'acme', name: 'Acme', type: 'workspace', properties: { plan: 'free', seats: 5, meta: { tier: 1 } } }, 100);
    expect(first).toEqual({ groupId: 'acme', name: 'Acme', type: 'workspace', properties: { plan: 'free', seats: '5', 'meta.tier': '1' }, updatedAt: 100 });
    // Nothing new: the same state, its time unchanged.
    expect(await membership.upsertGroup({ id: 'acme', name: 'Acme', type: 'workspace', properties: { plan: 'free' } }, 200)).toEqual(first);
    const second = await membership.upsertGroup({ id: 'acme', name: 'Acme Inc', type: 'workspace', properties: { seats: null, industry: ' retail ' } }, 300);
    expect(second).toEqual({
      groupId: 'acme',
      name: 'Acme Inc',
      type: 'workspace',
      properties: { plan: 'free', 'meta.tier': '1', industry: 'retail' },
      updatedAt: 300,
    });
    expect(await membership.group('acme')).toEqual(second);
    expect(await membership.group('beta')).toBeUndefined();
  });
});
