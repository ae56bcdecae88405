import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
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

const request = (profileId: string): OpenPanelRequest => ({ headers: {}, body: { type: 'track', payload: { name: 'e', profileId } } });
const event = (index: number, userKey: string): NewOutboxEvent => ({
  index,
  messageId: `m${index}`,
  userKey,
  event: {},
  requests: laneRequests(`m${index}`, userKey, [request(userKey)]),
});

describe('sqlite outbox: a state file from a version that queued lone surrogates', () => {
  it('claims and settles such a lane (named as read back) and the lanes behind it', async () => {
    // What intake now turns into U+FFFD (src/events/well-formed.ts), written as an earlier version did.
    const before = open(mkdtempSync(join(tmpdir(), 'op-outbox-')));
    await before.outbox.commit({ membership: { merges: [] }, events: [event(0, '\ud800x'), event(1, 'ok')], now: 1 });
    await before.close();
    const state = open(dirs.get(before)!);
    const claimed = await state.outbox.claim(10, 2, 60_000);
    // However this runtime decodes the invalid UTF-8 (three U+FFFD on Node 20 and 22, one on Node 24).
    const readBack = new Database(':memory:').prepare('SELECT ? AS lane').pluck().get('u:\ud800x');
    expect(claimed.map((entry) => entry.lane).sort()).toEqual(['u:ok', readBack]);
    const finals = await state.outbox.settle(
      claimed.map((entry) => ({ entry, settlement: { result: 'delivered', attempts: 1 } as const })),
      3,
    );
    expect(finals.map((final) => final.status)).toEqual(['delivered', 'delivered']);
    expect((await state.outbox.stats()).queuedEvents).toBe(0);
    await state.close();
  });
});

describe('sqlite outbox: a damaged request', () => {
  it('is claimed as unreadable with why (its stored text kept for the dead letter); the other lanes are claimed as usual', async () => {
    const before = open(mkdtempSync(join(tmpdir(), 'op-outbox-')));
    await before.outbox.commit({ membership: { merges: [] }, events: [event(0, 'damaged'), event(1, 'ok')], now: 1 });
    await before.close();
    const file = new Database(join(dirs.get(before)!, 'state.sqlite'));
    file.prepare("UPDATE outbox_requests SET request = '{\"headers\": {}, \"bo' WHERE key LIKE 'm0:%'").run();
    file.close();
    const state = open(dirs.get(before)!);
    const claimed = await state.outbox.claim(10, 2, 60_000);
    const damaged = claimed.find((entry) => entry.lane === 'u:damaged')!;
    expect(damaged.unreadable).toMatch(/^the queued request could not be read back: not JSON/);
    expect(damaged.request.body).toEqual({ type: 'unreadable', payload: { stored: '{"headers": {}, "bo' } });
    expect(claimed.find((entry) => entry.lane === 'u:ok')).toMatchObject({ request: request('ok') });
    const [final] = await state.outbox.settle(
      [{ entry: damaged, settlement: { result: 'failed', reason: damaged.unreadable!, attempts: 0, firstAttemptAt: 2, last: {} } }],
      3,
    );
    expect(final).toMatchObject({ status: 'dead_lettered', messageId: 'm0' });
    expect((await state.deadLetters.list())[0]).toMatchObject({ messageId: 'm0', requests: [damaged.request] });
    await state.close();
  });
});
