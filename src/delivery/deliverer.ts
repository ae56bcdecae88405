import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import PQueue from 'p-queue';
import type { DestinationConfig } from '../config/schema.js';
import type { OpenPanelRequest } from '../openpanel/contract.js';
import { OpenPanelClient, type Transport } from '../openpanel/http-client.js';
import { classifyAttempt, truncateText, type Attempt } from '../openpanel/response.js';
import type { DeadLetterStore, LastResponse } from './dead-letters.js';
import { requestKeys, type DedupeStore } from './dedupe.js';
import type { EventOutcome } from './outcome.js';
import { nextRetry } from './retry.js';
import { UserQueue } from './user-queue.js';

/** One transformed event to deliver: its requests go out in order (a `group` before its `assign_group`). */
export interface DeliveryJob {
  index: number;
  messageId: string;
  /** Orders delivery per user (profileId, else anonymousId); without one the event runs unordered. */
  userKey?: string;
  requests: OpenPanelRequest[];
  /** The original input event, kept in a dead letter. */
  event: unknown;
  /** Attempts already spent on a replayed dead letter, so its updated record keeps counting from them. */
  history?: { attempts: number; firstAttemptAt: string };
}

export interface DelivererOptions {
  config: DestinationConfig;
  transport?: Transport;
  dedupe: DedupeStore;
  deadLetters: DeadLetterStore;
  /** Waits out a backoff; should resolve early when `signal` aborts (shutdown). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface DeliveryHealth {
  healthy: boolean;
  reason?: string;
}

const shutdownReason = 'shutdown before delivery';
const lastBodyChars = 1000;

type RequestResult =
  | { delivered: true; attempts: number }
  | { delivered: false; attempts: number; reason: string; last?: Attempt; stopsEvent: boolean };

interface Failure {
  request: OpenPanelRequest;
  reason: string;
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

function lastResponseOf(attempt: Attempt | undefined): LastResponse {
  if (!attempt) return {};
  return {
    ...(attempt.status !== undefined ? { status: attempt.status } : {}),
    ...(attempt.body ? { body: truncateText(attempt.body, lastBodyChars) } : {}),
    ...(attempt.code ? { code: attempt.code } : {}),
  };
}

/** Failures grouped by reason, each named by its request types; a partial failure says how much is missing. */
function eventReason(failures: Failure[], total: number): string {
  const typesByReason = new Map<string, Set<string>>();
  for (const { request, reason } of failures) {
    const types = typesByReason.get(reason) ?? new Set<string>();
    types.add(request.body.type);
    typesByReason.set(reason, types);
  }
  const detail = [...typesByReason]
    .map(([reason, types]) => (reason === shutdownReason ? reason : `${[...types].join(', ')}: ${reason}`))
    .join('; ');
  return failures.length < total ? `${failures.length} of ${total} requests not delivered: ${detail}` : detail;
}

/**
 * The delivery engine (DESIGN.md section 5): per-user FIFO, a global bound on requests in flight, retries with
 * backoff, dedupe of delivered requests, dead letters. Every job ends delivered, skipped or dead-lettered.
 */
export class Deliverer {
  private readonly config: DestinationConfig;
  private readonly client: OpenPanelClient;
  private readonly dedupe: DedupeStore;
  private readonly deadLetters: DeadLetterStore;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly users = new UserQueue();
  // Holds a slot only while a request is on the wire: backoff waits happen outside it.
  private readonly inFlight: PQueue;
  private readonly pending = new Set<Promise<EventOutcome>>();
  private readonly shutdown = new AbortController();
  private closing: Promise<void> | undefined;
  private state: DeliveryHealth = { healthy: true };

  constructor(options: DelivererOptions) {
    this.config = options.config;
    this.client = new OpenPanelClient(options.config, options.transport);
    this.dedupe = options.dedupe;
    this.deadLetters = options.deadLetters;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.inFlight = new PQueue({ concurrency: options.config.concurrency });
    // Every backoff in progress listens for shutdown.
    setMaxListeners(0, this.shutdown.signal);
  }

  get health(): DeliveryHealth {
    return { ...this.state };
  }

  deliver(job: DeliveryJob): Promise<EventOutcome> {
    // Jobs without a user are serialised only with copies of themselves, so a duplicate waits for dedupe.
    const lane = job.userKey ?? `\u0000message:${job.messageId}`;
    const outcome = this.users.run(lane, () => this.process(job));
    this.pending.add(outcome);
    const forget = (): void => void this.pending.delete(outcome);
    outcome.then(forget, forget);
    return outcome;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Drains for at most `deadlineMs`; then aborts requests in flight and backoffs, dead-lettering what is left
   * with reason 'shutdown before delivery'. Jobs handed in afterwards are dead-lettered the same way.
   */
  close(deadlineMs = 30_000): Promise<void> {
    this.closing ??= (async () => {
      let cut: Promise<void> | undefined;
      const timer = setTimeout(() => {
        this.shutdown.abort();
        cut = this.client.destroy();
      }, deadlineMs);
      try {
        await this.drain();
      } finally {
        clearTimeout(timer);
      }
      this.shutdown.abort();
      await (cut ?? this.client.close());
    })();
    return this.closing;
  }

  private async process(job: DeliveryJob): Promise<EventOutcome> {
    const { index, messageId } = job;
    const keys = requestKeys(job.messageId, job.requests);
    const done = await this.dedupe.delivered(keys);
    const todo = job.requests.flatMap((request, i) => (done.has(keys[i]!) ? [] : [{ request, key: keys[i]! }]));
    if (todo.length === 0) {
      return { index, messageId, status: 'skipped', reason: `duplicate: messageId ${messageId} was already delivered`, attempts: 0 };
    }

    const startedAt = this.now();
    let attempts = 0;
    let last: Attempt | undefined;
    let stopReason: string | undefined;
    const failures: Failure[] = [];
    for (const { request, key } of todo) {
      if (stopReason !== undefined) {
        failures.push({ request, reason: stopReason });
        continue;
      }
      const result = await this.send(request);
      attempts += result.attempts;
      if (result.delivered) {
        await this.dedupe.markDelivered(key);
        continue;
      }
      failures.push({ request, reason: result.reason });
      last = result.last ?? last;
      // After a transient give-up the API is down: trying the rest would only spend another budget each.
      if (result.stopsEvent) {
        stopReason = this.shutdown.signal.aborted ? shutdownReason : 'not attempted after an earlier request of this event gave up';
      }
    }
    if (failures.length === 0) return { index, messageId, status: 'delivered', attempts };

    const reason = eventReason(failures, job.requests.length);
    const deadLetterId = await this.deadLetters.add({
      messageId: job.messageId,
      ...(job.userKey !== undefined ? { userKey: job.userKey } : {}),
      index: job.index,
      event: job.event,
      requests: failures.map((failure) => failure.request),
      lastResponse: lastResponseOf(last),
      attempts: (job.history?.attempts ?? 0) + attempts,
      reason,
      firstAttemptAt: job.history?.firstAttemptAt ?? new Date(startedAt).toISOString(),
      lastAttemptAt: new Date(this.now()).toISOString(),
    });
    return { index, messageId, status: 'dead_lettered', reason, attempts, deadLetterId };
  }

  /** One request through its retry budget. */
  private async send(request: OpenPanelRequest): Promise<RequestResult> {
    const { signal } = this.shutdown;
    const firstAttemptAt = this.now();
    let attempts = 0;
    let last: { attempt: Attempt; reason: string } | undefined;
    for (;;) {
      const attempt = await this.inFlight.add(async () => (signal.aborted ? undefined : this.client.post(request)));
      if (attempt) {
        attempts++;
        const verdict = classifyAttempt(attempt, this.now());
        if (verdict.kind === 'delivered') {
          if (!this.state.healthy) this.state = { healthy: true };
          return { delivered: true, attempts };
        }
        if (verdict.kind === 'fatal') {
          if (verdict.unhealthy) this.state = { healthy: false, reason: verdict.unhealthy };
          return { delivered: false, attempts, reason: verdict.reason, last: attempt, stopsEvent: false };
        }
        // A failure after shutdown is our own abort, not news about OpenPanel.
        if (!signal.aborted) {
          last = { attempt, reason: verdict.reason };
          const decision = nextRetry(
            { attempts, firstAttemptAt, now: this.now(), retryAfterMs: verdict.retryAfterMs },
            this.config,
            this.random,
          );
          if (!decision.retry) {
            return { delivered: false, attempts, reason: `${decision.reason}: ${verdict.reason}`, last: attempt, stopsEvent: true };
          }
          await this.pause(decision.delayMs);
        }
      }
      if (signal.aborted) {
        const reason = last ? `${shutdownReason} (last: ${last.reason})` : shutdownReason;
        return { delivered: false, attempts, reason, last: last?.attempt, stopsEvent: true };
      }
    }
  }

  /** A backoff that ends early on shutdown, even with an injected sleep that ignores the signal. */
  private pause(ms: number): Promise<void> {
    const { signal } = this.shutdown;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.sleep(ms, signal).then(done, done);
    });
  }
}
