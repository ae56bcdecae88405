import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteState } from '../../../src/state/sqlite/index.js';
import { writeOldStateFile } from '../../support/old-state-file.js';
import { testConfig } from '../delivery/harness.js';

const T0 = 1_000_000;
const request = (name: string) => ({ headers: {}, body: { type: 'track' as const, payload: { name } } });

// A state file written while the requests table had a UNIQUE index on the key: the table is rebuilt without it on
// open (the queued keys are kept in memory, src/state/sqlite/outbox.ts), and a queued key is still queued once.
describe('SQLite outbox: state file with a UNIQUE request key', () => {
  it('drops the index, keeps the queue, and still refuses a key already queued', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-keys-'));
    try {
      writeOldStateFile(
        dir,
        `
        CREATE TABLE outbox_requests (id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, lane TEXT NOT NULL, key TEXT NOT NULL UNIQUE,
          request TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, first_attempt_at INTEGER, ready_at INTEGER);
        INSERT INTO outbox_events VALUES (1, 0, 'm1', 'u1', '{}', 1, 1, 1, ${T0}, '[]', '{}', ${T0}), (2, 1, 'm2', 'u1', '{}', 1, 1, 0, NULL, '[]', '{}', ${T0});
        INSERT INTO outbox_requests VALUES (1, 1, 'u:u1', 'm1:track:A', '${JSON.stringify(request('A'))}', 1, ${T0}, ${T0 + 500}),
          (2, 2, 'u:u1', 'm2:track:B', '${JSON.stringify(request('B'))}', 0, NULL, NULL);
      `,
      );
      const state = openSqliteState(dir, testConfig());
      const { outbox } = state;
      expect(await outbox.stats()).toMatchObject({ queuedEvents: 2, queuedRequests: 2 });
      expect(await outbox.taken(['m1:track:A', 'm2:track:B', 'm3:track:C'])).toEqual(new Set(['m1:track:A', 'm2:track:B']));
      // m2 again (re-sent before delivery) is a duplicate; m3 is new.
      const again = await outbox.commit({
        membership: { merges: [] },
        events: ['m2', 'm3'].map((m, index) => ({
          index,
          messageId: m,
          userKey: 'u1',
          event: {},
          requests: [{ lane: 'u:u1', key: `${m}:track:${m === 'm2' ? 'B' : 'C'}`, request: request(m) }],
        })),
        now: T0,
      });
      expect(again.events).toEqual([{ duplicate: true }, { eventId: expect.any(String), queuedRequests: 1 }]);
      // Order and the retrying head's ready time are kept.
      expect(await outbox.claim(10, T0 + 1, 1000)).toEqual([]);
      const [head] = await outbox.claim(10, T0 + 500, 1000);
      expect(head).toMatchObject({ key: 'm1:track:A', attempts: 1, firstAttemptAt: T0 });
      await outbox.settle([{ entry: head!, settlement: { result: 'delivered', attempts: 2 } }], T0 + 600);
      expect((await outbox.claim(10, T0 + 600, 1000)).map((e) => e.key)).toEqual(['m2:track:B']);
      await state.close();
      const reopened = new Database(join(dir, 'state.sqlite'));
      const indexes = reopened.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox_requests'").all();
      expect(indexes).toEqual([]);
      expect(reopened.prepare('SELECT key FROM outbox_requests ORDER BY id').pluck().all()).toEqual(['m2:track:B', 'm3:track:C']);
      reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
