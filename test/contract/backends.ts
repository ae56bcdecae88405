import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRedisState } from '../../src/state/redis/index.js';
import { openSqliteState } from '../../src/state/sqlite/index.js';
import type { State, StateConfig } from '../../src/state/state.js';
import { deleteKeys, testPrefix, testRedisUrl } from '../support/redis.js';

export const contractConfig: StateConfig = { membershipMaxKeys: 1000, membershipTtlDays: 90, dedupeTtlHours: 1, dedupeMaxIds: 1_000_000 };

export interface OpenedState {
  state: State;
  /** Closes the state and removes what it stored (temp dir, Redis keys). */
  dispose(): Promise<void>;
}

/** Every backend, each opened fresh and isolated: the contract suites run once per entry. */
export const backends: Array<[name: string, open: (now: () => number, config?: StateConfig) => OpenedState]> = [
  [
    'sqlite in memory',
    (now, config = contractConfig) => {
      const state = openSqliteState(undefined, config, { now });
      return { state, dispose: () => state.close() };
    },
  ],
  [
    'sqlite',
    (now, config = contractConfig) => {
      const dir = mkdtempSync(join(tmpdir(), 'opd-contract-'));
      const state = openSqliteState(dir, config, { now });
      return { state, dispose: async () => (await state.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  ],
  [
    'redis',
    (now, config = contractConfig) => {
      const prefix = testPrefix('contract');
      const state = openRedisState({ url: testRedisUrl, prefix }, config, { now });
      return { state, dispose: async () => (await state.close(), await deleteKeys(prefix)) };
    },
  ],
];
