import { openSqliteState } from '../../src/state/sqlite/index.js';
import { testConfig } from '../unit/delivery/harness.js';
import { outboxContract } from './outbox.contract.js';

/** The library's state without a dataDir: the same SQLite outbox, in a database in memory. */
outboxContract({ name: 'sqlite in memory', open: async () => openSqliteState(undefined, testConfig()) });
