import { setTimeout as delay } from 'node:timers/promises';
import { parseConfig } from '../../config/load.js';
import type { DestinationConfig, DestinationConfigInput } from '../../config/schema.js';
import { parseEvent } from '../../events/parse-event.js';
import type { CdpEventInput } from '../../events/schema.js';
import { wellFormed } from '../../events/well-formed.js';
import { Deliverer, type DelivererOptions, type DeliveryHealth, type DeliveryObserver } from '../../delivery/deliverer.js';
import {
  commitBatch as commitToOutbox,
  duplicateReason,
  takenEvent,
  type AcceptOutcome,
  type Committed,
  type IntakeBatch,
} from '../../delivery/batch-intake.js';
import type { DeadLetterStore } from '../../delivery/dead-letters.js';
import { eventOfDeadLetter } from '../../delivery/lanes.js';
import { QueueFullError, type FinalOutcome, type OutboxStats } from '../../delivery/outbox.js';
import type { EventOutcome } from '../../delivery/outcome.js';
import { loadMappings } from '../../mapping/load.js';
import type { GroupState } from '../../membership/group-state.js';
import { MembershipOverlay } from '../../membership/overlay.js';
import type { GroupAssignment } from '../../membership/store.js';
import type { Transport } from '../../openpanel/http-client.js';
import { openState } from '../../state/open-state.js';
import { StateError } from '../../state/state-error.js';
import type { TransformResult } from '../../transform/result.js';
import { createTransformer } from '../../transform/transformer.js';

export interface DestinationOptions {
  /** Keep the outbox, membership, delivered keys and dead letters in SQLite under this folder; default: SQLite in memory, bounded (config `store` redis: in Redis). */
  dataDir?: string;
  /** How long to wait for another process to release `dataDir`; default 5 s. */
  lockTimeoutMs?: number;
  /** HTTP transport to OpenPanel: undici (default, lowest CPU) or axios' http adapter (what nock intercepts). */
  transport?: Transport;
  /** Told about every HTTP attempt and every final outcome (metrics). */
  observer?: DeliveryObserver;
  /** Receive time for events without a timestamp, and the delivery clock (tests pin it). */
  now?: () => number;
  /** Events transformed together and committed in one transaction by `send`; default 500. */
  batchSize?: number;
  /** Backoff and idle waits, and jitter, for tests. */
  sleep?: DelivererOptions['sleep'];
  random?: DelivererOptions['random'];
}

export type { AcceptOutcome };

export interface SendOptions {
  /** 'final' (default): resolve with each event's final outcome; 'accepted': once every event is committed. */
  until?: 'accepted' | 'final';
  /** Called once per event as soon as its outcome is known (final, or accepted with until 'accepted'). */
  onOutcome?: (outcome: EventOutcome | AcceptOutcome) => void;
}

export { QueueFullError };

export interface AcceptOptions {
  /** How long to wait for room under `maxQueuedEvents` before QueueFullError; default 0. */
  waitForRoomMs?: number;
  /** Each event's JSON text, where the caller already has it (serve's routes measure every event): stored as is, not stringified again. */
  json?: ReadonlyArray<string | undefined>;
}

const BATCH_SIZE = 500;
/**
 * How far a paced intake runs ahead of delivery: events enough for every request slot (concurrency x 2 handed to
 * the sender) many times over, so delivery never waits for the next batch's commit.
 */
export const paceAheadEvents = (config: Pick<DestinationConfig, 'concurrency'>): number => 32 * config.concurrency;
/** close() without a dataDir: how long accepted events get to be delivered before they are dropped (README "Library"). */
const MEMORY_DRAIN_MS = 10_000;

/** One accept call: its events (and their JSON texts) and until when it may wait for room. */
interface AcceptCall {
  events: readonly unknown[];
  json?: ReadonlyArray<string | undefined>;
  deadline: number;
}

/** The library's public API (README "Library"): what `createDestination` returns. */
export interface Destination {
  /** Dry run: the requests each event maps to, in input order; membership is read, never written, nothing is sent. */
  transform(events: readonly unknown[]): Promise<TransformResult[]>;
  /**
   * Commits the events to the outbox; resolves once they are committed. Without room (`maxQueuedEvents`) waits up
   * to `waitForRoomMs` (default 0), then throws QueueFullError with nothing of the call committed.
   */
  accept(events: readonly unknown[], options?: AcceptOptions): Promise<AcceptOutcome[]>;
  /** accept, waiting for room, plus (by default) waiting for each event's final outcome. */
  send(events: readonly unknown[], options: SendOptions & { until: 'accepted' }): Promise<AcceptOutcome[]>;
  send(events: readonly unknown[], options?: SendOptions): Promise<EventOutcome[]>;
  /** Moves every dead letter back into the outbox (oldest first, so each user's order holds) and waits for their outcomes (or a pause). */
  replay(): Promise<{ delivered: number; failed: number }>;
  /** Re-sends one dead letter as it was, or a fixed copy of its event; undefined when there is no such dead letter. */
  replayDeadLetter(id: string, options?: { event?: unknown; waitMs?: number }): Promise<AcceptOutcome | EventOutcome | undefined>;
  readonly deadLetters: DeadLetterStore;
  /** A user's (userId or anonymousId) groups with the time each was assigned; read-only. */
  groupsOf(key: string): Promise<readonly Readonly<GroupAssignment>[]>;
  /** A group as OpenPanel holds it after our upserts (name, type, merged properties, when that last changed); read-only. */
  groupOf(groupId: string): Promise<GroupState | undefined>;
  /** Degraded while OpenPanel refuses the credentials (delivery paused, events kept queued). */
  health(): DeliveryHealth;
  stats(): Promise<OutboxStats>;
  /** Resolves when every queued event has its final outcome. */
  flush(): Promise<void>;
  /**
   * Stops taking events and starting requests; requests on the wire get `deadlineMs` (default: the request
   * timeout) to finish; the rest stays queued (in `dataDir`, for the next run). Without a `dataDir` (state in
   * memory) it first delivers what was accepted, within `deadlineMs` (default 10 s), and warns
   * (process.emitWarning) with how many it drops. Then releases the state; resolves with what is left queued.
   */
  close(deadline?: { deadlineMs?: number } | number): Promise<OutboxStats>;
}

/**
 * The library's API as the package exports it (src/index.ts): the same object, with events typed as the spec's
 * shapes so TypeScript callers get them checked. Inside, events are `unknown` until validated at intake.
 */
export interface CheckedDestination extends Omit<Destination, 'transform' | 'accept' | 'send'> {
  transform(events: readonly CdpEventInput[]): Promise<TransformResult[]>;
  accept(events: readonly CdpEventInput[], options?: { waitForRoomMs?: number }): Promise<AcceptOutcome[]>;
  send(events: readonly CdpEventInput[], options: SendOptions & { until: 'accepted' }): Promise<AcceptOutcome[]>;
  send(events: readonly CdpEventInput[], options?: SendOptions): Promise<EventOutcome[]>;
}

/** The destination as the CLI drives it: the public API plus its plumbing (backpressure, waiting for the queue to drain). */
export interface DestinationRunner extends Destination {
  readonly config: DestinationConfig;
  /**
   * Commits one batch once the outbox has room for it; `indexes` are the events' input positions (default: from
   * 0). Undefined, nothing committed, when `signal` aborts first. Throws the StateError of a store that will not
   * recover by itself (disk full). `paced`: also waits while delivery has all the work it can take and
   * `paceAheadEvents` are queued (for a caller whose events wait safely where they are, the CLI's input file).
   */
  acceptWhenRoom(
    events: readonly unknown[],
    indexes?: readonly number[],
    signal?: AbortSignal,
    options?: { paced?: boolean },
  ): Promise<Committed[] | undefined>;
  /** Resolves when the outbox is empty and nothing is on the wire, or (with `orPaused`) when delivery pauses, or when `signal` aborts. */
  drained(options?: { orPaused?: boolean; orStateFailure?: boolean; signal?: AbortSignal }): Promise<'drained' | 'paused' | 'stopped'>;
}

/**
 * The library entry point. `transform` maps events to OpenPanel requests without sending or keeping state.
 * `accept` transforms a batch against membership plus the batch's own changes and commits the membership
 * changes and the requests in one outbox transaction (delivery/batch-intake.ts); delivery workers (started
 * here, so a backlog left in a `dataDir` drains) deliver from the outbox. `send` is accept (waiting for room)
 * plus, by default, waiting for the final outcomes.
 */
export function createDestination(configInput: DestinationConfigInput, options: DestinationOptions = {}): Destination {
  return openDestination(configInput, options);
}

/** createDestination for the CLI, with its plumbing. */
export function openDestination(configInput: DestinationConfigInput, options: DestinationOptions = {}): DestinationRunner {
  // Old key names and control-plane value shapes read as the schema expects (src/config/normalize.ts); a bad
  // config is one ConfigurationError listing every problem, unknown keys included.
  const config: DestinationConfig = parseConfig({ ...configInput });
  const now = options.now ?? Date.now;
  const state = openState(config, { dataDir: options.dataDir, lockTimeoutMs: options.lockTimeoutMs, now });
  const { outbox } = state;
  const mappings = loadMappings();
  const batchSize = options.batchSize ?? BATCH_SIZE;

  const waiting = new Map<string, { resolve(outcome: FinalOutcome): void; reject(error: Error): void }>();
  const changeListeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of [...changeListeners]) listener();
  };
  const finalWatchers = new Set<(outcome: FinalOutcome) => void>();
  const routeFinal = (outcome: FinalOutcome): void => {
    for (const watch of finalWatchers) watch(outcome);
    const waiter = waiting.get(outcome.eventId);
    waiting.delete(outcome.eventId);
    waiter?.resolve(outcome);
  };
  const deliverer = new Deliverer({
    config,
    outbox,
    transport: options.transport,
    observer: options.observer,
    onFinal: routeFinal,
    onChange: changed,
    sleep: options.sleep,
    random: options.random,
    now,
  });
  deliverer.start();

  /** Resolves at the next change (settled attempt, pause, resume, commit), or when `signal` aborts. */
  const nextChange = (signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const once = (): void => {
        changeListeners.delete(once);
        signal?.removeEventListener('abort', once);
        resolve();
      };
      changeListeners.add(once);
      signal?.addEventListener('abort', once, { once: true });
    });

  let closed = false;
  let closing: Promise<OutboxStats> | undefined;
  // One batch transforms and commits at a time, so each sees the membership the previous one committed.
  let intake: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const run = intake.then(work);
    intake = run.catch(() => undefined);
    return run;
  };

  /** Dry run: one event at a time in input order; membership (of the destination, plus this call's) is read, never written. */
  async function transform(events: readonly unknown[]): Promise<TransformResult[]> {
    const transformEvent = createTransformer({ config, membership: new MembershipOverlay(state.membership), mappings, now, stampReceivedAt: true });
    const results: TransformResult[] = [];
    for (let index = 0; index < events.length; index++) results.push(await transformEvent(events[index], index));
    return results;
  }

  /** One batch through the intake (delivery/batch-intake.ts); the outcomes carry their outbox event ids. */
  async function commitBatch(events: IntakeBatch, indexOf: (i: number) => number, maxQueued: number): Promise<Committed[]> {
    if (closed) throw new Error('destination is closed: events not taken');
    const batch = await commitToOutbox({ config, outbox, membership: state.membership, mappings, now }, events, indexOf, maxQueued);
    deliverer.wake();
    for (const outcome of batch.settled) routeFinal(outcome);
    changed();
    for (const taken of batch.taken) options.observer?.onTaken?.(taken);
    return batch.outcomes;
  }

  /** The final outcome of a queued event, or undefined when it is not final within `waitMs` (or the destination closes). */
  function finalWithin(eventId: string, waitMs: number): Promise<FinalOutcome | undefined> {
    const final = new Promise<FinalOutcome>((resolve, reject) => waiting.set(eventId, { resolve, reject }));
    const stop = new AbortController();
    const timeout = delay(waitMs, undefined, { signal: stop.signal }).catch(() => undefined);
    return Promise.race([final, timeout])
      .catch(() => undefined)
      .finally(() => {
        stop.abort();
        waiting.delete(eventId);
      });
  }

  /**
   * Re-sends one dead letter: its requests as they were, or `event` (a fixed copy, transformed again under the
   * dead letter's messageId, so requests already delivered are not sent twice). The record is removed once its
   * event is queued again (a stop in between leaves it listed; replaying it then finds its requests queued or
   * delivered and sends nothing twice). Resolves with the outcome, final when it came within `waitMs`, else
   * `accepted`; undefined when there is no such dead letter. A fixed copy that is rejected leaves the record.
   */
  async function replayDeadLetter(
    id: string,
    { event, waitMs = 5_000 }: { event?: unknown; waitMs?: number } = {},
  ): Promise<(AcceptOutcome | EventOutcome) | undefined> {
    const record = await state.deadLetters.get(id);
    if (record === undefined) return undefined;
    let final: Promise<FinalOutcome | undefined> | undefined;
    const outcome = await serially(async () => {
      let outcome: AcceptOutcome & { eventId?: string };
      if (event === undefined) {
        const queuedEvent = eventOfDeadLetter(record);
        const committed = await outbox.commit({ membership: { merges: [] }, events: [queuedEvent], now: now() }, Infinity);
        for (const settled of committed.settled) routeFinal(settled);
        const entry = committed.events[0]!;
        const base = { index: queuedEvent.index, messageId: record.messageId };
        outcome =
          'duplicate' in entry
            ? { ...base, status: 'skipped', reason: duplicateReason(record.messageId) }
            : { ...base, status: 'accepted', eventId: entry.eventId };
        options.observer?.onTaken?.(takenEvent(outcome, record.event, record.userKey, queuedEvent.requests));
      } else {
        const fixed = typeof event === 'object' && event !== null && !Array.isArray(event) ? { ...event, messageId: record.messageId } : event;
        [outcome] = (await commitBatch({ events: [fixed] }, () => record.index ?? 0, Infinity)) as [AcceptOutcome & { eventId?: string }];
      }
      // Watched from the commit on: the answer can come back before the record is removed.
      if (outcome.eventId !== undefined) final = finalWithin(outcome.eventId, waitMs);
      deliverer.wake();
      changed();
      return outcome;
    });
    if (outcome.status === 'rejected') return outcome;
    await state.deadLetters.remove([id]);
    const { eventId: _, ...done } = (await final) ?? outcome;
    return done;
  }

  /**
   * Whether the outbox has room for `events` now; only valid events count against `maxQueuedEvents` (invalid
   * ones are rejected, never queued), and an empty queue takes a batch of any size.
   */
  async function roomFor(events: readonly unknown[], valid: { count?: number }): Promise<QueueFullError | undefined> {
    const { queuedEvents } = await outbox.stats();
    if (queuedEvents === 0 || queuedEvents + events.length <= config.maxQueuedEvents) return undefined;
    valid.count ??= events.reduce<number>((n, event) => n + (parseEvent(wellFormed(event).value).ok ? 1 : 0), 0);
    return valid.count === 0 || queuedEvents + valid.count <= config.maxQueuedEvents ? undefined : new QueueFullError(queuedEvents, config.maxQueuedEvents);
  }

  /**
   * Commits the events to the outbox; resolves once they are committed. Without room for them (see roomFor) it
   * waits up to `waitForRoomMs` (default 0) for room, holding back the calls made after it so that a large batch
   * is not starved by smaller ones; then throws QueueFullError, with nothing of this call committed.
   * Calls of up to `batchSize` events made together (serve's requests that arrived in one turn of the event loop)
   * are committed together in one transaction when there is room for all of them: each is still all or nothing.
   */
  function accept(events: readonly unknown[], { waitForRoomMs = 0, json }: AcceptOptions = {}): Promise<AcceptOutcome[]> {
    const call: AcceptCall = { events, json, deadline: now() + waitForRoomMs };
    if (events.length > batchSize) return serially(() => acceptAlone(call));
    return new Promise((resolve, reject) => {
      gathering.push({ ...call, resolve, reject });
      if (gathering.length === 1) setImmediate(commitGathered);
    });
  }

  /** accept's calls made since the last turn of the event loop, in call order. */
  let gathering: Array<AcceptCall & { resolve(outcomes: AcceptOutcome[]): void; reject(error: unknown): void }> = [];

  /** Queues the gathered calls in groups of at most `batchSize` events (one commit each, see commitGroup). */
  function commitGathered(): void {
    const calls = gathering;
    gathering = [];
    let group: typeof calls = [];
    let size = 0;
    for (const call of calls) {
      if (size + call.events.length > batchSize && group.length > 0) {
        void serially(commitGroup.bind(undefined, group));
        [group, size] = [[], 0];
      }
      group.push(call);
      size += call.events.length;
    }
    void serially(commitGroup.bind(undefined, group));
  }

  /** One commit for every call of the group when the outbox has room for them all now; else each call on its own, in order. */
  async function commitGroup(group: typeof gathering): Promise<void> {
    const size = group.reduce((n, call) => n + call.events.length, 0);
    // A store that cannot say (unreachable) is the lone calls' to report, each with its own answer.
    const together =
      group.length > 1 &&
      !closed &&
      (await outbox.stats().then(
        ({ queuedEvents }) => queuedEvents === 0 || queuedEvents + size <= config.maxQueuedEvents,
        () => false,
      ));
    if (!together) {
      for (const call of group) await acceptAlone(call).then(call.resolve, call.reject);
      return;
    }
    const indexes = group.flatMap((call) => call.events.map((_, i) => i));
    const batch = {
      events: group.flatMap((call) => call.events),
      json: group.some((call) => call.json) ? group.flatMap((call) => call.json ?? call.events.map(() => undefined)) : undefined,
    };
    let committed: Committed[];
    try {
      committed = await commitBatch(batch, (i) => indexes[i]!, Infinity);
    } catch (error) {
      for (const call of group) call.reject(error);
      return;
    }
    let next = 0;
    for (const call of group) call.resolve(committed.slice(next, (next += call.events.length)).map(({ eventId: _, final: __, ...outcome }) => outcome));
  }

  /** One accept call on its own: waits for room (see accept), then commits its events in slices of `batchSize`. */
  async function acceptAlone({ events, json, deadline }: AcceptCall): Promise<AcceptOutcome[]> {
    const valid: { count?: number } = {};
    for (;;) {
      const stop = new AbortController();
      const change = nextChange(stop.signal);
      try {
        const full = await roomFor(events, valid);
        if (full === undefined) break;
        const left = deadline - now();
        if (left <= 0) throw full;
        await Promise.race([change, delay(left, undefined, { signal: stop.signal }).catch(() => undefined)]);
      } finally {
        stop.abort();
      }
    }
    const outcomes: AcceptOutcome[] = [];
    for (let start = 0; start < events.length; start += batchSize) {
      const slice = { events: events.slice(start, start + batchSize), json: json?.slice(start, start + batchSize) };
      for (const { eventId: _, final: __, ...outcome } of await commitBatch(slice, (i) => start + i, Infinity)) outcomes.push(outcome);
    }
    return outcomes;
  }

  /**
   * Commits one batch once the outbox has room for it (backpressure for send and the CLI); `indexes` are the
   * events' input positions (default: from 0). Undefined, nothing committed, when `signal` aborts first. Throws
   * the StateError when delivery found the store unusable (disk full): a run ends rather than queue on.
   * Paced, a batch also waits while `paceAheadEvents` are queued and delivery is not short of work: committed
   * far ahead, the input took the thread from the answers (the sender ran dry) and made the outbox outgrow the
   * page cache (README, Performance). Delivery short of work (the queued lanes all busy: input sorted by user)
   * takes more at once, up to `maxQueuedEvents`.
   */
  async function acceptWhenRoom(
    events: readonly unknown[],
    indexes?: readonly number[],
    signal?: AbortSignal,
    { paced = false }: { paced?: boolean } = {},
  ): Promise<Array<Committed> | undefined> {
    const indexOf = (i: number): number => indexes?.[i] ?? i;
    const aheadBound = paced ? paceAheadEvents(config) : Infinity;
    for (;;) {
      if (signal?.aborted) return undefined;
      const failure = lastingStateFailure();
      if (failure) throw failure;
      const change = nextChange(signal);
      try {
        // A batch without room is not transformed: it would be again at every settled request until there is room
        // (that was most of a 1,000,000-event backfill's CPU; README, Performance). The commit still checks the bound.
        const { queuedEvents } = await outbox.stats();
        const ahead = queuedEvents >= aheadBound && !deliverer.shortOfWork;
        if (queuedEvents === 0 || (!ahead && queuedEvents + events.length <= config.maxQueuedEvents)) {
          return await serially(() => commitBatch({ events }, indexOf, config.maxQueuedEvents));
        }
        await change;
      } catch (error) {
        if (!(error instanceof QueueFullError)) throw error;
        await change;
      }
    }
  }

  async function send(events: readonly unknown[], sendOptions: SendOptions & { until: 'accepted' }): Promise<AcceptOutcome[]>;
  async function send(events: readonly unknown[], sendOptions?: SendOptions): Promise<EventOutcome[]>;
  async function send(events: readonly unknown[], { until = 'final', onOutcome }: SendOptions = {}): Promise<Array<EventOutcome | AcceptOutcome>> {
    const outcomes: Array<Promise<EventOutcome | AcceptOutcome>> = [];
    for (let start = 0; start < events.length; start += batchSize) {
      const indexes = Array.from({ length: Math.min(batchSize, events.length - start) }, (_, i) => start + i);
      for (const { eventId, final, ...accepted } of (await acceptWhenRoom(events.slice(start, start + batchSize), indexes))!) {
        let outcome: Promise<EventOutcome | AcceptOutcome>;
        if (accepted.status !== 'accepted' || until === 'accepted' || eventId === undefined) outcome = Promise.resolve(accepted);
        else
          outcome = (final ? Promise.resolve(final) : new Promise<FinalOutcome>((resolve, reject) => waiting.set(eventId, { resolve, reject }))).then(
            ({ eventId: _, ...rest }) => rest,
          );
        outcomes.push(onOutcome ? outcome.then((o) => (onOutcome(o), o)) : outcome);
      }
    }
    return Promise.all(outcomes);
  }

  /** Delivery cannot write to a store that will not recover by itself (disk full): the StateError saying so. */
  const lastingStateFailure = (): StateError | undefined => {
    const failure = deliverer.storeFailure;
    return failure instanceof StateError && !failure.transient ? failure : undefined;
  };

  /**
   * Resolves when the outbox is empty and nothing is on the wire, or (with `orPaused`) when delivery pauses, or
   * when `signal` aborts. With `orStateFailure`, throws the StateError of a store that failed and will not
   * recover by itself (disk full): a run ends instead of retrying forever (serve and flush wait it out).
   */
  async function drained({
    orPaused = false,
    orStateFailure = false,
    signal,
  }: { orPaused?: boolean; orStateFailure?: boolean; signal?: AbortSignal } = {}): Promise<'drained' | 'paused' | 'stopped'> {
    for (;;) {
      const change = nextChange(signal);
      if (signal?.aborted) return 'stopped';
      const failure = lastingStateFailure();
      if (orStateFailure && failure) throw failure;
      // Paused for the credentials only: an OpenPanel outage is waited out like any retry.
      if (orPaused && deliverer.paused) return 'paused';
      if (deliverer.inFlight === 0 && (await outbox.stats()).queuedEvents === 0) return 'drained';
      await change;
    }
  }

  return {
    config,
    transform,
    accept,
    send,
    acceptWhenRoom,
    drained,
    async replay(): Promise<{ delivered: number; failed: number }> {
      let delivered = 0;
      let failed = 0;
      const watch = (outcome: FinalOutcome): void => void (outcome.status === 'delivered' ? delivered++ : failed++);
      finalWatchers.add(watch);
      try {
        while ((await outbox.requeueDeadLetters(batchSize, now())) > 0) deliverer.wake();
        await drained({ orPaused: true, orStateFailure: true });
      } finally {
        finalWatchers.delete(watch);
      }
      return { delivered, failed };
    },
    replayDeadLetter,
    deadLetters: state.deadLetters,
    groupsOf: (key: string) => state.membership.get(key),
    groupOf: (groupId: string) => state.membership.group(groupId),
    health: (): DeliveryHealth => deliverer.health,
    stats: (): Promise<OutboxStats> => outbox.stats(),
    flush: async (): Promise<void> => void (await drained()),
    close(deadline?: { deadlineMs?: number } | number): Promise<OutboxStats> {
      const deadlineMs = typeof deadline === 'number' ? deadline : deadline?.deadlineMs;
      // Called again while closing (a second Ctrl-C): cut the wait for requests on the wire.
      if (closing) return deliverer.close(deadlineMs).then(() => closing!);
      closed = true;
      // A `send` still waiting for final outcomes would wait forever: its events stay queued (in dataDir, for the next run).
      const strand = (error: Error): void => {
        for (const waiter of waiting.values()) waiter.reject(error);
        waiting.clear();
      };
      closing = (async () => {
        await serially(async () => undefined);
        try {
          // Without a dataDir (SQLite in memory) nothing outlives the process: deliver what was accepted first,
          // within the deadline (unless OpenPanel refuses the credentials), then say how many are dropped.
          const inMemory = options.dataDir === undefined && config.store.type === 'sqlite';
          const started = now();
          const drainMs = deadlineMs ?? MEMORY_DRAIN_MS;
          if (inMemory && drainMs > 0) await drained({ orPaused: true, signal: AbortSignal.timeout(drainMs) });
          await deliverer.close(inMemory ? Math.max(0, drainMs - (now() - started)) : deadlineMs);
          const left = await outbox.stats();
          strand(
            new Error(
              `destination closed with ${left.queuedEvents} events still queued${options.dataDir ? ` in ${options.dataDir}` : inMemory ? ' (in memory: lost)' : ''}`,
            ),
          );
          if (inMemory && left.queuedEvents > 0) {
            process.emitWarning(
              `closed with ${left.queuedEvents} accepted events undelivered: without a dataDir they were in memory and are dropped`,
              'OpenPanelDestinationWarning',
            );
          }
          return left;
        } catch (error) {
          // The store failed (Redis unreachable): what is queued stays there; the state is released all the same.
          strand(error as Error);
          throw error;
        } finally {
          await state.close();
        }
      })();
      return closing;
    },
  };
}
