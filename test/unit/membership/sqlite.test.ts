import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteMembershipStore } from '../../../src/state/sqlite/membership.js';
import { openStateDb } from '../../../src/state/sqlite/db.js';
import { openMemoryStateDb } from '../../support/memory-db.js';

describe('SqliteMembershipStore', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'membership-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps membership and group states across re-opening the file', async () => {
    const db = openStateDb(dataDir);
    const first = new SqliteMembershipStore(db);
    await first.assign('anon_1', ['org_acme'], 100);
    await first.link('anon_1', 'user_1');
    await first.assign('user_1', ['team_eng'], 200);
    const group = await first.upsertGroup({ id: 'org_acme', name: 'Acme', type: 'company', properties: { plan: 'pro' } }, 100);
    await first.close();
    db.close();

    const reopened = openStateDb(dataDir);
    const second = new SqliteMembershipStore(reopened);
    expect(await second.get('user_1')).toEqual([
      { groupId: 'org_acme', assignedAt: 100 },
      { groupId: 'team_eng', assignedAt: 200 },
    ]);
    expect(await second.get('anon_1')).toEqual([{ groupId: 'org_acme', assignedAt: 100 }]);
    expect(await second.group('org_acme')).toEqual(group);
    expect(await second.assign('user_1', ['org_acme'], 50)).toEqual([]);
    await second.close();
    reopened.close();
  });

  it('leaves the database open for the other stores that share it', async () => {
    const db = openMemoryStateDb();
    await new SqliteMembershipStore(db).close();
    expect(db.open).toBe(true);
    db.close();
  });

  it('forgets idle keys after ttlMs, reads keep active ones, and writes prune expired rows', async () => {
    let t = 1_000_000;
    const db = openMemoryStateDb();
    const store = new SqliteMembershipStore(db, { ttlMs: 10_000, now: () => t });
    await store.assign('idle', ['g'], 1);
    await store.assign('active', ['g'], 1);
    await store.upsertGroup({ id: 'g', name: 'G', type: 'company' }, 1);
    t += 6000;
    await store.get('active');
    t += 6000;
    expect(await store.get('idle')).toEqual([]);
    expect((await store.get('active')).length).toBe(1);
    expect(await store.group('g')).toBeUndefined();

    await store.assign('a', ['g'], 1);
    await store.assign('b', ['g'], 1);
    t += 10_000;
    await store.assign('c', ['g'], 1);
    const keys = db.prepare('SELECT key FROM membership_assignments ORDER BY key').pluck().all();
    expect(keys).toEqual(['c']);
    db.close();
  });
});
