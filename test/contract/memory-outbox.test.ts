import { testConfig } from '../unit/delivery/harness.js';
import { openMemoryState } from '../../src/state/memory/index.js';
import { outboxContract } from './outbox.contract.js';

outboxContract({ name: 'memory', open: async () => openMemoryState(testConfig()) });
