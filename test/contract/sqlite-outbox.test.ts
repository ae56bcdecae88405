import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { laneRequests } from '../../src/delivery/lanes.js';
import type { NewOutboxEvent } from '../../src/delivery/outbox.js';
import type { OpenPanelRequest } from '../../src/openpanel/contract.js';
import type { State } from '../../src/state/state.js';
import { openSqliteState } from '../../src/state/sqlite/index.js';
import { testConfig } from '../unit/delivery/harness.js';
import { outboxContract } from './outbox.contract.js';

const dirs = new WeakMap<State, string>();
const open = (dir: string): State => {
  const state = openSqliteState(dir, testConfig());
  dirs.set(state, dir);
  return state;
};

outboxContract({
  name: 'sqlite',
  open: async () => open(mkdtempSync(join(tmpdir(), 'op-outbox-'))),
  async reopen(state) {
    await state.close();
    return open(dirs.get(state)!);
  },
});

describe('sqlite outbox: a state file from a version that queued lone surrogates', () => {
  it('claims and settles such a lane (named as read back) and the lanes behind it', async () => {
    const request = (profileId: string): OpenPanelRequest => ({ headers: {}, body: { type: 'track', payload: { name: 'e', profileId } } });
    const event = (index: number, userKey: string): NewOutboxEvent => ({ index, messageId: `m${index}`, userKey, event: {}, requests: laneRequests(`m${index}`, userKey, [request(userKey)]) });
    // What intake now turns into U+FFFD (src/events/well-formed.ts), written as an earlier version did.
    const before = open(mkdtempSync(join(tmpdir(), 'op-outbox-')));
    await before.outbox.commit({ membership: { merges: [] }, events: [event(0, '\ud800x'), event(1, 'ok')], now: 1 });
    await before.close();
    const state = open(dirs.get(before)!);
    const claimed = await state.outbox.claim(10, 2, 60_000);
    expect(claimed.map((entry) => entry.lane).sort()).toEqual(['u:ok', 'u:\ufffd\ufffd\ufffdx']);
    const finals = await state.outbox.settle(claimed.map((entry) => ({ entry, settlement: { result: 'delivered', attempts: 1 } as const })), 3);
    expect(finals.map((final) => final.status)).toEqual(['delivered', 'delivered']);
    expect((await state.outbox.stats()).queuedEvents).toBe(0);
    await state.close();
  });
});
