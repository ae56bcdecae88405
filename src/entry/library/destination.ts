import { createHash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { normalizeConfigInput } from '../../config/normalize.js';
import { configSchema, type DestinationConfig, type DestinationConfigInput } from '../../config/schema.js';
import { MemoryDeadLetterStore, type DeadLetterStore } from '../../delivery/dead-letters.js';
import { SqliteDeadLetterStore } from '../../delivery/dead-letters-sqlite.js';
import { MemoryDedupeStore, type DedupeStore } from '../../delivery/dedupe.js';
import { SqliteDedupeStore } from '../../delivery/dedupe-sqlite.js';
import { Deliverer, type DelivererOptions } from '../../delivery/deliverer.js';
import type { EventOutcome } from '../../delivery/outcome.js';
import { replayDeadLetters } from '../../delivery/replay.js';
import { loadMappings } from '../../mapping/load.js';
import { MemoryMembershipStore } from '../../membership/memory.js';
import { SqliteMembershipStore } from '../../membership/sqlite.js';
import type { MembershipStore } from '../../membership/store.js';
import type { Transport } from '../../openpanel/http-client.js';
import { openStateDb, type StateDb } from '../../state/sqlite.js';
import type { TransformResult } from '../../transform/result.js';
import { createTransformer } from '../../transform/transformer.js';

export interface DestinationOptions {
  /** Keep membership, delivered ids and dead letters in SQLite under this folder; default: bounded memory. */
  dataDir?: string;
  /** Membership backend, overriding the one `dataDir` implies. */
  membership?: MembershipStore;
  /** HTTP transport to OpenPanel: undici (default, lowest CPU) or axios' http adapter (what nock intercepts). */
  transport?: Transport;
  /** Receive time for events without a timestamp (tests pin it). */
  now?: () => number;
  /** Events handed to delivery and not yet final, at most (backpressure on `send`); default 10,000. */
  maxQueued?: number;
  /** Backoff clock and jitter, for tests. */
  sleep?: DelivererOptions['sleep'];
  random?: DelivererOptions['random'];
}

export interface SendOptions {
  /** Called once per event as soon as its outcome is final (progress bars, metrics). */
  onOutcome?: (outcome: EventOutcome) => void;
}

const DAY_MS = 86_400_000;
const MAX_QUEUED = 10_000;
/** Transformed events between two yields to the event loop. */
const YIELD_EVERY = 256;

interface Stores {
  membership: MembershipStore;
  dedupe: DedupeStore;
  deadLetters: DeadLetterStore;
  db?: StateDb;
}

function openStores(config: DestinationConfig, options: DestinationOptions): Stores {
  const ttlMs = config.membershipTtlDays * DAY_MS;
  if (options.dataDir === undefined) {
    return {
      membership: options.membership ?? new MemoryMembershipStore({ maxKeys: config.membershipMaxKeys, ttlMs, now: options.now }),
      dedupe: new MemoryDedupeStore(config, options.now),
      deadLetters: new MemoryDeadLetterStore(),
    };
  }
  const db = openStateDb(options.dataDir);
  return {
    membership: options.membership ?? new SqliteMembershipStore(db, { ttlMs, now: options.now }),
    dedupe: new SqliteDedupeStore(db, config, options.now),
    deadLetters: new SqliteDeadLetterStore(db),
    db,
  };
}

/** Events without a messageId get one derived from their content, so a re-sent copy is still recognised. */
const contentId = (event: unknown): string => `content-${createHash('sha1').update(JSON.stringify(event)).digest('base64url')}`;

/**
 * The library entry point. `transform` maps events to OpenPanel requests without sending; `send` transforms
 * and delivers, resolving with one final outcome per event. Membership carries across calls, as the SDK
 * instance's groups do.
 */
export function createDestination(configInput: DestinationConfigInput, options: DestinationOptions = {}) {
  // Old key names and control-plane value shapes read as the schema expects (src/config/normalize.ts).
  const config = configSchema.parse(normalizeConfigInput({ ...configInput }).input);
  const stores = openStores(config, options);
  const transformEvent = createTransformer({ config, membership: stores.membership, mappings: loadMappings(), now: options.now });
  let deliverer: Deliverer | undefined;
  const delivery = (): Deliverer =>
    (deliverer ??= new Deliverer({ config, transport: options.transport, dedupe: stores.dedupe, deadLetters: stores.deadLetters, sleep: options.sleep, random: options.random, now: options.now }));

  /** One event at a time, in input order, so membership follows the input order. */
  async function transform(events: readonly unknown[]): Promise<TransformResult[]> {
    const results: TransformResult[] = [];
    for (let index = 0; index < events.length; index++) results.push(await transformEvent(events[index], index));
    return results;
  }

  const maxQueued = options.maxQueued ?? MAX_QUEUED;
  let closed = false;
  let enqueued = 0;
  let queued = 0;
  const waitingForRoom: Array<() => void> = [];

  /**
   * Transforms one event now (callers keep input order) and hands it to delivery; `done` settles with its final
   * outcome. Backpressure: at most `maxQueued` events wait for delivery, so a large backfill does not grow memory
   * without bound; and the transform loop yields to I/O now and then, so responses are handled while it runs.
   */
  async function enqueue(event: unknown, index: number): Promise<{ done: Promise<EventOutcome> }> {
    if (++enqueued % YIELD_EVERY === 0) await setImmediate();
    while (queued >= maxQueued) await new Promise<void>((resolve) => waitingForRoom.push(resolve));
    if (closed) throw new Error('destination is closed: event not taken');
    const result = await transformEvent(event, index);
    if (result.status !== 'ok') return { done: Promise.resolve({ index, messageId: result.messageId, status: result.status, reason: result.reason }) };
    const messageId = result.messageId ?? contentId(event);
    queued++;
    const done = delivery()
      .deliver({ index, messageId, userKey: result.userKey, requests: result.requests, event })
      .finally(() => {
        queued--;
        waitingForRoom.shift()?.();
      });
    return { done };
  }

  /** Transforms in order and delivers concurrently (per-user order kept); one final outcome per event, in input order. */
  async function send(events: readonly unknown[], { onOutcome }: SendOptions = {}): Promise<EventOutcome[]> {
    const outcomes: Array<Promise<EventOutcome>> = [];
    for (let index = 0; index < events.length; index++) {
      const { done } = await enqueue(events[index], index);
      outcomes.push(onOutcome ? done.then((outcome) => (onOutcome(outcome), outcome)) : done);
    }
    return Promise.all(outcomes);
  }

  return {
    config,
    transform,
    transformEvent,
    send,
    enqueue,
    /** Re-sends every stored dead letter; those delivered leave the store. */
    replay: () => replayDeadLetters(delivery(), stores.deadLetters),
    deadLetters: stores.deadLetters,
    /** Unhealthy from a 401 (wrong client id or secret) until a later request is accepted. */
    health: () => deliverer?.health ?? { healthy: true },
    /** Resolves when every event handed to `send` has its final outcome. */
    flush: async (): Promise<void> => deliverer?.drain(),
    /** Drains within the deadline (the rest is dead-lettered, never dropped), then releases connections and state. */
    async close(deadlineMs?: number): Promise<void> {
      closed = true;
      await deliverer?.close(deadlineMs);
      await stores.membership.close();
      stores.db?.close();
    },
  };
}

export type Destination = ReturnType<typeof createDestination>;
