import { describe, expect, it } from '@jest/globals';
import { commitBatch } from '../../../src/delivery/batch-intake.js';
import type { ChangeSet } from '../../../src/delivery/outbox.js';
import { loadMappings } from '../../../src/mapping/load.js';
import { openSqliteState } from '../../../src/state/sqlite/index.js';
import { testConfig } from './harness.js';

describe("intake with each event's JSON text (serve's routes)", () => {
  it('hands the text to the outbox, except for an event whose unstorable text was replaced (its fixed copy is stored)', async () => {
    const config = testConfig();
    const state = openSqliteState(undefined, config);
    const commits: ChangeSet[] = [];
    const commit = state.outbox.commit.bind(state.outbox);
    state.outbox.commit = async (changes, max) => (commits.push(changes), commit(changes, max));
    const clean = { type: 'track', event: 'Clicked', userId: 'u1', messageId: 'm1', timestamp: '2026-03-20T10:00:00.000Z' };
    const lone = { type: 'track', event: 'Bad \ud800 text', userId: 'u2', messageId: 'm2', timestamp: '2026-03-20T10:00:00.000Z' };
    const json = [JSON.stringify(clean), JSON.stringify(lone)];
    const { outcomes } = await commitBatch(
      { config, outbox: state.outbox, membership: state.membership, mappings: loadMappings(), now: Date.now },
      { events: [clean, lone], json },
      (i) => i,
      Infinity,
    );
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted']);
    const [first, second] = commits[0]!.events;
    expect(first).toMatchObject({ messageId: 'm1', event: clean, json: json[0] });
    expect(second).toMatchObject({ messageId: 'm2', event: { ...lone, event: 'Bad \ufffd text' } });
    expect(second).not.toHaveProperty('json');
    await state.close();
  });
});
