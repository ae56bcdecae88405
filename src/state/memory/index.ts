import { DAY_MS, type State, type StateConfig } from '../state.js';
import { MemoryDeadLetterStore } from './dead-letters.js';
import { MemoryDedupeStore } from './dedupe.js';
import { MemoryMembershipStore } from './membership.js';
import { MemoryOutbox } from './outbox.js';

/** The library's default state: in this process, bounded, lost on exit. */
export function openMemoryState(config: StateConfig, now: () => number = Date.now): State {
  const membership = new MemoryMembershipStore({ maxKeys: config.membershipMaxKeys, ttlMs: config.membershipTtlDays * DAY_MS, now });
  const dedupe = new MemoryDedupeStore(config, now);
  const deadLetters = new MemoryDeadLetterStore();
  return { membership, dedupe, deadLetters, outbox: new MemoryOutbox(membership, dedupe, deadLetters), close: () => membership.close() };
}
