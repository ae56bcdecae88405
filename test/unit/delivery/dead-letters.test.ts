import { describe, expect, it } from '@jest/globals';
import type { DeadLetterStore, NewDeadLetter } from '../../../src/delivery/dead-letters.js';
import { SqliteDeadLetterStore } from '../../../src/state/sqlite/dead-letters.js';
import { openMemoryStateDb } from '../../support/memory-db.js';
import { assignGroup, group } from './harness.js';

const record = (messageId: string): NewDeadLetter => ({
  messageId,
  userKey: 'u1',
  index: 4,
  event: { type: 'group', groupId: 'acme', userId: 'u1', traits: { name: 'Acme' } },
  requests: [group('acme'), assignGroup('acme')],
  lastResponse: { status: 400, body: 'Invalid type' },
  attempts: 2,
  reason: 'group, assign_group: HTTP 400: Invalid type',
  firstAttemptAt: '2025-01-01T00:00:00.000Z',
  lastAttemptAt: '2025-01-01T00:00:01.000Z',
});

describe.each<[string, () => DeadLetterStore]>([['sqlite', () => new SqliteDeadLetterStore(openMemoryStateDb())]])('%s dead-letter store', (_name, open) => {
  it('adds, lists oldest first, counts and removes', async () => {
    const store = open();
    const first = await store.add(record('m1'));
    const second = await store.add(record('m2'));
    expect(first).not.toBe(second);
    expect(await store.count()).toBe(2);
    expect(await store.list()).toEqual([
      { ...record('m1'), id: first },
      { ...record('m2'), id: second },
    ]);
    expect(await store.remove([first, 'unknown'])).toBe(1);
    expect((await store.list()).map((r) => r.messageId)).toEqual(['m2']);
    expect(await store.count()).toBe(1);
  });
});

describe('SqliteDeadLetterStore', () => {
  it('keeps records across store instances on the same database', async () => {
    const db = openMemoryStateDb();
    const id = await new SqliteDeadLetterStore(db).add(record('m1'));
    expect(await new SqliteDeadLetterStore(db).list()).toEqual([{ ...record('m1'), id }]);
  });

  it('refuses to list a record that is not a dead letter', async () => {
    const db = openMemoryStateDb();
    const store = new SqliteDeadLetterStore(db);
    db.prepare('INSERT INTO delivery_dead_letters (id, record) VALUES (?, ?)').run('x', JSON.stringify({ id: 'x', requests: [] }));
    await expect(store.list()).rejects.toThrow();
  });
});
