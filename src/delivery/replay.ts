import type { DeadLetterStore } from './dead-letters.js';
import type { Deliverer } from './deliverer.js';

/**
 * Re-sends every dead letter through the deliverer under its original messageId (dedupe skips what did get
 * delivered). A delivered record is removed; a failed one is replaced by the record the deliverer writes to its
 * own dead-letter store (normally `store` itself), which carries the attempts spent so far. Records are handed
 * over oldest first, so each user's order is kept.
 */
export async function replayDeadLetters(deliverer: Deliverer, store: DeadLetterStore): Promise<{ delivered: number; failed: number }> {
  const records = await store.list();
  const statuses = await Promise.all(
    records.map(async (record) => {
      const outcome = await deliverer.deliver({
        index: record.index ?? 0,
        messageId: record.messageId,
        userKey: record.userKey,
        requests: record.requests,
        event: record.event,
        history: { attempts: record.attempts, firstAttemptAt: record.firstAttemptAt },
      });
      await store.remove([record.id]);
      return outcome.status;
    }),
  );
  const failed = statuses.filter((status) => status === 'dead_lettered').length;
  return { delivered: statuses.length - failed, failed };
}
