import type { DestinationConfig } from '../../config/schema.js';
import type { DeadLetter } from '../../delivery/dead-letters.js';
import type { EventOutcome } from '../../delivery/outcome.js';
import type { Transport } from '../../openpanel/http-client.js';
import { createDestination } from '../library/destination.js';

/*
 * The server's only door into the destination. The routes are written against the durable-outbox contract
 * (`accept` resolves after the commit, `QueueFullError` over `maxQueuedEvents`, `health`, `stats`, an observer);
 * until the outbox lands this file implements that contract over today's library (`enqueue`), which acknowledges
 * once an event is transformed and handed to in-memory delivery. Swapping it for the outbox's `createDestination`
 * changes nothing else in src/entry/server.
 */

export interface AcceptOutcome {
  index: number;
  messageId?: string;
  status: 'accepted' | 'skipped' | 'rejected';
  reason?: string;
}

export interface DeliveryAttempt {
  type: string;
  status?: number;
  code?: string;
  result: 'delivered' | 'retry' | 'fatal';
  durationMs: number;
}

export interface DeliveryObserver {
  onAttempt?(attempt: DeliveryAttempt): void;
  onFinal?(outcome: EventOutcome): void;
}

export interface IntakeHealth {
  healthy: boolean;
  status: 'ok' | 'degraded';
  reason?: string;
}

export interface IntakeStats {
  queuedEvents: number;
  queuedRequests: number;
  oldestQueuedAt?: number;
  deadLetters: number;
}

/** Thrown by `accept` when taking the events would put the queue over its bound. */
export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the delivery queue is full');
    this.name = 'QueueFullError';
  }
}

export interface Intake {
  accept(events: readonly unknown[]): Promise<AcceptOutcome[]>;
  health(): IntakeHealth;
  stats(): Promise<IntakeStats>;
  replay(): Promise<{ delivered: number; failed: number }>;
  deadLetters: { list(page: { limit: number; afterId?: string }): Promise<DeadLetter[]> };
  close(options: { deadlineMs: number }): Promise<void>;
}

export interface IntakeOptions {
  dataDir?: string;
  observer?: DeliveryObserver;
  transport?: Transport;
  /** Events queued for delivery at most; over it `accept` throws QueueFullError (the outbox reads this from config). */
  maxQueuedEvents?: number;
}

const DEFAULT_MAX_QUEUED = 10_000;
const RETRY_AFTER_SECONDS = 5;

interface Pending {
  requests: number;
  since: number;
}

export function createIntake(config: DestinationConfig, options: IntakeOptions = {}): Intake {
  const maxQueued = options.maxQueuedEvents ?? DEFAULT_MAX_QUEUED;
  // The library's own bound makes enqueue wait; the server's bound must answer 503 first, so the library's is higher.
  const destination = createDestination(config, { dataDir: options.dataDir, transport: options.transport, maxQueued: maxQueued + 1 });
  const pending = new Set<Pending>();
  const observer = options.observer ?? {};
  const taken = Symbol('taken');

  /** Today's deliverer reports only final outcomes: one attempt per delivered request is what the observer hears. */
  const report = (outcome: EventOutcome, types: readonly string[], entry: Pending): void => {
    pending.delete(entry);
    if (outcome.status === 'delivered') {
      const durationMs = Date.now() - entry.since;
      for (const type of types) observer.onAttempt?.({ type, result: 'delivered', durationMs });
    }
    observer.onFinal?.(outcome);
  };

  return {
    async accept(events) {
      if (pending.size + events.length > maxQueued) throw new QueueFullError(RETRY_AFTER_SECONDS);
      const outcomes: AcceptOutcome[] = [];
      for (let index = 0; index < events.length; index++) {
        const { done } = await destination.enqueue(events[index], index);
        // enqueue settles `done` at once for skipped and rejected events; a pending one was taken for delivery.
        const settled = await Promise.race([done, Promise.resolve(taken)]);
        if (settled !== taken) {
          const { messageId, status, reason } = settled;
          if (status === 'skipped' || status === 'rejected') {
            outcomes.push({ index, ...(messageId ? { messageId } : {}), status, ...(reason ? { reason } : {}) });
            observer.onFinal?.(settled);
            continue;
          }
        }
        const event = events[index] as { messageId?: unknown };
        const types = requestTypesOf(event);
        const entry: Pending = { requests: types.length, since: Date.now() };
        pending.add(entry);
        void done.then((outcome) => report(outcome, types, entry));
        outcomes.push({ index, ...(typeof event.messageId === 'string' ? { messageId: event.messageId } : {}), status: 'accepted' });
      }
      return outcomes;
    },
    health() {
      const { healthy, reason } = destination.health();
      if (!healthy) return { healthy, status: 'degraded', ...(reason ? { reason } : {}) };
      if (pending.size >= maxQueued) return { healthy: false, status: 'degraded', reason: `queue full: ${pending.size} events waiting for delivery (maxQueuedEvents ${maxQueued})` };
      return { healthy, status: 'ok' };
    },
    async stats() {
      let queuedRequests = 0;
      let oldestQueuedAt: number | undefined;
      for (const entry of pending) {
        queuedRequests += entry.requests;
        oldestQueuedAt = Math.min(oldestQueuedAt ?? entry.since, entry.since);
      }
      const deadLetters = await destination.deadLetters.count();
      return { queuedEvents: pending.size, queuedRequests, ...(oldestQueuedAt === undefined ? {} : { oldestQueuedAt }), deadLetters };
    },
    replay: () => destination.replay(),
    deadLetters: {
      async list({ limit, afterId }) {
        const all = await destination.deadLetters.list();
        const start = afterId === undefined ? 0 : all.findIndex((record) => record.id === afterId) + 1;
        return all.slice(start, start + limit);
      },
    },
    close: ({ deadlineMs }) => destination.close(deadlineMs),
  };
}

/** The event's type stands for its requests' types until the outbox reports each attempt. */
function requestTypesOf(event: unknown): string[] {
  const type = (event as { type?: unknown }).type;
  return [typeof type === 'string' ? type.toLowerCase() : 'unknown'];
}
