import { describe, expect, it } from '@jest/globals';
import { MembershipOverlay } from '../../../src/membership/overlay.js';
import { MemoryMembershipStore } from '../../../src/membership/memory-store.js';

describe('MembershipOverlay (a batch before its commit)', () => {
  const store = async () => {
    const base = new MemoryMembershipStore({ maxKeys: 100, ttlMs: 1e4 * 86_400_000 });
    await base.assign('u1', ['acme'], 100);
    await base.upsertGroup({ id: 'acme', name: 'Acme', type: 'company', properties: { plan: 'free' } }, 1);
    return base;
  };

  it('reads the store plus its own changes, and writes nothing to the store until they are applied', async () => {
    const base = await store();
    const overlay = new MembershipOverlay(base);
    expect(await overlay.assign('u1', ['beta'], 50)).toEqual(['beta']);
    expect(await overlay.assign('anon-1', ['gamma'], 10)).toEqual(['gamma']);
    expect(await overlay.link('anon-1', 'u1')).toEqual(['gamma']);
    await overlay.upsertGroup({ id: 'acme', name: 'Acme', type: 'company', properties: { seats: 5 } }, 2);
    expect((await overlay.get('u1')).map((a) => a.groupId)).toEqual(['gamma', 'beta', 'acme']);
    expect(await overlay.group('acme')).toMatchObject({ properties: { plan: 'free', seats: '5' }, updatedAt: 2 });
    expect((await base.get('u1')).map((a) => a.groupId)).toEqual(['acme']);
    expect(await base.group('acme')).toMatchObject({ properties: { plan: 'free' }, updatedAt: 1 });

    await base.apply(overlay.changes());
    expect(await base.get('u1')).toEqual([
      { groupId: 'gamma', assignedAt: 10 },
      { groupId: 'beta', assignedAt: 50 },
      { groupId: 'acme', assignedAt: 100 },
    ]);
    // Group states travel with the batch's group upserts (the outbox folds those it queues), not with its changes.
    expect(await base.group('acme')).toMatchObject({ properties: { plan: 'free' } });
  });

  it('its changes are merges, so a batch committed after another writer loses neither', async () => {
    const base = await store();
    const overlay = new MembershipOverlay(base);
    await overlay.assign('u1', ['beta'], 200);
    // Another instance commits first.
    await base.assign('u1', ['delta'], 300);
    await base.apply(overlay.changes());
    expect((await base.get('u1')).map((a) => a.groupId)).toEqual(['acme', 'beta', 'delta']);
  });

  it('reports only what the batch changed', async () => {
    const overlay = new MembershipOverlay(await store());
    await overlay.get('u1');
    expect(overlay.changes()).toEqual({ merges: [] });
    await overlay.assign('u2', ['acme', 'acme'], 5);
    expect(overlay.changes()).toEqual({ merges: [['u2', [{ groupId: 'acme', assignedAt: 5 }]]] });
  });
});
