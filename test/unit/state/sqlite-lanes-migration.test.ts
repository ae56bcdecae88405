import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteState } from '../../../src/state/sqlite/index.js';
import { writeOldStateFile } from '../../support/old-state-file.js';
import { testConfig } from '../delivery/harness.js';

const T0 = 1_000_000;
const request = (name: string) => JSON.stringify({ headers: {}, body: { type: 'track', payload: { name } } });

// A state file written before the lanes were kept in memory (src/state/sqlite/lane-index.ts) had a lanes table
// holding each lane's ready time: its queue, and a head waiting for a retry, are taken over on open.
describe('SQLite outbox: state file with a lanes table', () => {
  it('keeps the queue in lane order and a retrying head waiting until its ready time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-lanes-'));
    try {
      writeOldStateFile(
        dir,
        `
        CREATE TABLE outbox_requests (id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, lane TEXT NOT NULL, key TEXT NOT NULL UNIQUE,
          request TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, first_attempt_at INTEGER);
        CREATE INDEX outbox_requests_lane ON outbox_requests (lane, id);
        CREATE TABLE outbox_lanes (lane TEXT PRIMARY KEY, ready_at INTEGER NOT NULL, leased_until INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
        INSERT INTO outbox_events VALUES (1, 0, 'm1', 'u1', '{}', 1, 1, 2, ${T0}, '[]', '{}', ${T0}), (2, 1, 'm2', 'u1', '{}', 1, 1, 0, NULL, '[]', '{}', ${T0}),
          (3, 2, 'm3', 'u2', '{}', 1, 1, 0, NULL, '[]', '{}', ${T0});
        INSERT INTO outbox_requests VALUES (1, 1, 'u:u1', 'm1:track:A', '${request('A')}', 2, ${T0}), (2, 2, 'u:u1', 'm2:track:B', '${request('B')}', 0, NULL),
          (3, 3, 'u:u2', 'm3:track:C', '${request('C')}', 0, NULL);
        INSERT INTO outbox_lanes VALUES ('u:u1', ${T0 + 500}, 0), ('u:u2', ${T0}, ${T0 + 9999});
      `,
      );
      const state = openSqliteState(dir, testConfig());
      const { outbox } = state;
      expect(await outbox.stats()).toMatchObject({ queuedEvents: 3, queuedRequests: 3 });
      // u2's old lease is dropped; u1 waits for its retry at T0 + 500.
      expect((await outbox.claim(10, T0 + 1, 1000)).map((e) => e.key)).toEqual(['m3:track:C']);
      expect(await outbox.nextReadyAt()).toBe(T0 + 500);
      const [head] = await outbox.claim(10, T0 + 500, 1000);
      expect(head).toMatchObject({ key: 'm1:track:A', attempts: 2, firstAttemptAt: T0 });
      await outbox.settle([{ entry: head!, settlement: { result: 'delivered', attempts: 3 } }], T0 + 600);
      expect((await outbox.claim(10, T0 + 600, 1000)).map((e) => e.key)).toEqual(['m2:track:B']);
      await state.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
