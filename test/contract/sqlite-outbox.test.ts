import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
