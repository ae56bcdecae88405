import { afterAll } from '@jest/globals';
import { openRedisState } from '../../src/state/redis/index.js';
import type { State } from '../../src/state/state.js';
import { testConfig } from '../unit/delivery/harness.js';
import { deleteKeys, testPrefix, testRedisUrl } from '../support/redis.js';
import { outboxContract } from './outbox.contract.js';

const prefixes = new Map<State, string>();
const open = (prefix: string): State => {
  const state = openRedisState({ url: testRedisUrl, prefix }, testConfig());
  prefixes.set(state, prefix);
  return state;
};
const used: string[] = [];
afterAll(async () => {
  for (const prefix of used) await deleteKeys(prefix);
});

outboxContract({
  name: 'redis',
  open: async () => {
    const prefix = testPrefix('outbox');
    used.push(prefix);
    return open(prefix);
  },
  async reopen(state) {
    await state.close();
    return open(prefixes.get(state)!);
  },
  sharedLeases: true,
});
