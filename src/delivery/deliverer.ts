import { setTimeout as delay } from 'node:timers/promises';
import type { DestinationConfig } from '../config/schema.js';
import { OpenPanelClient, type Transport } from '../openpanel/http-client.js';
import { classifyAttempt, notSent, truncateText, type Attempt } from '../openpanel/response.js';
import type { LastResponse } from './dead-letters.js';
import type { FinalOutcome, Outbox, OutboxEntry, OutboxRequest, Settlement } from './outbox.js';
import { nextRetry } from './retry.js';

/** One HTTP attempt, as metrics (and the console's live view) see it. */
export interface AttemptReport {
  /** The outbox event and the request's dedupe key it was made for. */
  eventId: string;
  key: string;
  type: string;
  status?: number;
  code?: string;
  /** OpenPanel's answer, truncated. */
  body?: string;
  result: 'delivered' | 'retry' | 'fatal';
  durationMs: number;
}

/** One event as the destination took it (accept, send, replay): its requests when queued, else why not. */
export interface TakenEvent {
  eventId?: string;
  index: number;
  messageId?: string;
  userKey?: string;
  event: unknown;
  status: 'accepted' | 'skipped' | 'rejected';
  reason?: string;
  requests: readonly OutboxRequest[];
}

/** Hooks for whoever watches delivery (serve's Prometheus metrics and console, send's stderr notices). */
export interface DeliveryObserver {
  onTaken?(taken: TakenEvent): void;
  onAttempt?(attempt: AttemptReport): void;
  onFinal?(outcome: FinalOutcome): void;
  /** The delivery loop failed (state store unreachable, disk full, a bug): it runs again after a second. */
  onLoopFailure?(error: Error): void;
}

/** Several observers as one: each hook calls theirs in order. */
export function combineObservers(...observers: DeliveryObserver[]): DeliveryObserver {
  return {
    onTaken: (taken) => observers.forEach((o) => o.onTaken?.(taken)),
    onAttempt: (attempt) => observers.forEach((o) => o.onAttempt?.(attempt)),
    onFinal: (outcome) => observers.forEach((o) => o.onFinal?.(outcome)),
    onLoopFailure: (error) => observers.forEach((o) => o.onLoopFailure?.(error)),
  };
}

export interface DeliveryHealth {
  healthy: boolean;
  status: 'ok' | 'degraded';
  reason?: string;
  /** What degrades it: OpenPanel refusing the credentials (delivery paused until they work), an outage, or the loop itself failing. */
  cause?: 'credentials' | 'outage' | 'delivery';
  /**
   * Whether new events should come here: false while OpenPanel refuses the credentials or the state store fails.
   * An outage of OpenPanel keeps it true: the outbox holds the events until it is over (README, serve).
   */
  ready: boolean;
}

export interface DelivererOptions {
  config: DestinationConfig;
  outbox: Outbox;
  transport?: Transport;
  observer?: DeliveryObserver;
  /** Every final outcome, with its outbox event id (the destination routes it to the caller waiting for it). */
  onFinal(outcome: FinalOutcome): void;
  /** After every settled attempt and every change of health. */
  onChange?(): void;
  /** Waits (backoff, idle, probe interval); must resolve early when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

const lastBodyChars = 1000;
/**
 * How long a claimed lane stays leased: past the request timeout (plus time to settle), so only a dead worker's
 * lease expires; short enough that other instances take a dead one's lanes within 30 s (docs/deployment.md).
 */
const leaseMarginMs = 5_000;
/** How soon delivery looks again after the state store failed, and how often it says so. */
const storeRetryMs = 1_000;
const storeWarnEveryMs = 60_000;
/**
 * This many transient failures in a row, on more than one lane, with no success in between, mean OpenPanel
 * itself is failing (an outage, not one bad request, nor a flaky API where most requests still pass): delivery
 * then sends one probe per `outageProbeMs` instead of every lane retrying on its own backoff (README: "Outages").
 */
const outageFailures = 10;
/**
 * Answers are written in groups of about an eighth of the requests in flight (one transaction instead of one per
 * answer turn: README, Performance), or once the oldest has waited this long, or when nothing else is in flight.
 */
const settleShare = 8;
const settleAfterMs = 5;
/** After an outage, requests in flight start at this and grow by one per delivered request (doubling per round trip). */
const rampStart = 4;

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal }).catch(() => undefined);

function lastResponseOf(attempt: Attempt): LastResponse {
  return {
    ...(attempt.status !== undefined ? { status: attempt.status } : {}),
    ...(attempt.body ? { body: truncateText(attempt.body, lastBodyChars) } : {}),
    ...(attempt.code ? { code: attempt.code } : {}),
  };
}

/**
 * The delivery workers (docs/outbox.md "Delivery"): claim ready lane heads from the outbox, one attempt each, and
 * settle the result there (delivered, retry at a backoff time, failed, or released untouched). Nothing waits
 * in memory: a backoff is a lane's ready time in the outbox, so retries survive restarts and a user's later
 * requests wait behind the one retrying. A 401 pauses everything (health degraded, requests stay queued) and
 * one request probes every `pauseProbeMs` until the credentials work again.
 */
export class Deliverer {
  private readonly config: DestinationConfig;
  private readonly outbox: Outbox;
  private readonly client: OpenPanelClient;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly attempts = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private cut = false;
  private closing: Promise<void> | undefined;
  private readonly deadline = new AbortController();
  private pausedFor: string | undefined;
  private storeWarnedAt = -Infinity;
  private failure: { error: Error; since: number } | undefined;
  /** Attempts answered since the last write to the outbox: written together (group commit), their lanes still leased. */
  private unsettled: Array<{ entry: OutboxEntry; settlement: Settlement }> = [];
  /**
   * Runs out `settleAfterMs` after the oldest unsettled answer came (real time, whatever clock the outbox is given);
   * `settleOverdue` says it has. A flag, not a clock reading: a timer can fire a fraction of a millisecond before
   * performance.now() says the time has passed, and the answer would then wait for some other event.
   */
  private settleTimer: NodeJS.Timeout | undefined;
  private settleOverdue = false;
  private probeAt = 0;
  /** OpenPanel failing for many lanes at once: since when, and the last failure. */
  private outage: { reason: string } | undefined;
  /** Transient failures since the last delivered request, and on which lanes. */
  private failuresInARow = 0;
  private readonly failingLanes = new Set<string>();
  /** Lanes' backoffs to release (an outage ended): done by the loop, which owns the outbox calls. */
  private releaseBackoffs = false;
  /** Requests in flight at most: `concurrency`, ramping up again after an outage. */
  private limit: number;
  /** The last claim since new work came found fewer ready requests than it had room for (see shortOfWork). */
  private short = false;

  constructor(private readonly options: DelivererOptions) {
    this.config = options.config;
    this.outbox = options.outbox;
    this.client = new OpenPanelClient(options.config, options.transport);
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.leaseMs = options.config.timeoutMs + leaseMarginMs;
    this.limit = options.config.concurrency;
  }

  /** Degraded while credentials are refused, while OpenPanel is failing across the board, and while the loop fails. */
  get health(): DeliveryHealth {
    const ready = this.pausedFor === undefined && this.failure === undefined;
    const degraded = (cause: DeliveryHealth['cause'], reason: string): DeliveryHealth => ({ healthy: false, status: 'degraded', reason, cause, ready });
    if (this.pausedFor !== undefined) return degraded('credentials', this.pausedFor);
    if (this.outage)
      return degraded('outage', `OpenPanel failing for many users (${this.outage.reason}): one request probes every ${this.config.outageProbeMs} ms`);
    if (this.failure) return degraded('delivery', `delivery failing: ${this.failure.error.message}; trying again every ${storeRetryMs / 1000} s`);
    return { healthy: true, status: 'ok', ready };
  }

  /** OpenPanel refuses the credentials: delivery waits for a fix (an outage, also unhealthy, passes by itself). */
  get paused(): boolean {
    return this.pausedFor !== undefined;
  }

  /** Why the last look at the outbox failed (the state store), until a look succeeds. */
  get storeFailure(): Error | undefined {
    return this.failure?.error;
  }

  /**
   * Whether delivery could take more work now: its last claim found fewer ready requests than it had room for
   * (every queued lane leased or waiting for a retry), so new events (new lanes) would be sent at once. A paced
   * intake (the CLI's send) commits ahead of delivery only while this holds or little is queued.
   */
  get shortOfWork(): boolean {
    return this.short && this.pausedFor === undefined && this.outage === undefined;
  }

  /** Requests handed to the sender (on the wire or queued there), or answered and not yet recorded in the outbox. */
  get inFlight(): number {
    return this.attempts.size + this.unsettled.length;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.supervise();
  }

  /**
   * Runs the loop again when the state store fails (Redis unreachable, disk full) instead of dying with it: the
   * work waits in the outbox, and answered attempts wait here to be written when the store is back.
   */
  private async supervise(): Promise<void> {
    while (this.running) {
      try {
        await this.run();
      } catch (error) {
        this.failure = { error: error as Error, since: this.failure?.since ?? this.now() };
        this.options.observer?.onLoopFailure?.(error as Error);
        this.options.onChange?.();
        // A failure that will not pass by itself (a StateError with `transient: false`, e.g. disk full) is said once
        // it has lasted a retry interval: a CLI run watching storeFailure has ended by then with its own line.
        const lasting = (error as { transient?: unknown }).transient === false;
        const said = !lasting || this.now() - this.failure.since >= storeRetryMs;
        if (said && this.now() - this.storeWarnedAt >= storeWarnEveryMs) {
          this.storeWarnedAt = this.now();
          process.emitWarning(`delivery: ${(error as Error).message}; trying again every ${storeRetryMs / 1000} s`);
        }
        await this.waitFor(storeRetryMs);
      }
    }
  }

  /** New work was committed (or a lane freed): look again now instead of at the next ready time. */
  wake(): void {
    // Short of work is for the next claim to say again, with the new work in sight.
    this.short = false;
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops claiming; requests on the wire get until `deadlineMs` to finish, then are cut and released (they stay
   * queued; one cut after OpenPanel stored it is sent again next time, the only duplicate possible).
   */
  close(deadlineMs = this.config.timeoutMs): Promise<void> {
    // A second close with a deadline of 0 cuts the wait of the first.
    if (this.closing) {
      if (deadlineMs === 0) this.deadline.abort();
      return this.closing;
    }
    this.closing = (async () => {
      this.running = false;
      this.wake();
      await this.loop;
      if (this.attempts.size > 0) {
        const deadline = this.sleep(deadlineMs, this.deadline.signal).then(() => 'deadline' as const);
        const outcome = await Promise.race([Promise.all(this.attempts).then(() => 'done' as const), deadline]);
        this.deadline.abort();
        if (outcome === 'deadline') {
          this.cut = true;
          await this.client.destroy();
        }
        await Promise.all(this.attempts);
      }
      await this.record();
      await this.client.close();
    })();
    return this.closing;
  }

  /** Writes the answered attempts to the outbox in one transaction and hands on the final outcomes. */
  private async record(): Promise<void> {
    if (this.unsettled.length === 0) return;
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    this.settleOverdue = false;
    const batch = this.unsettled;
    this.unsettled = [];
    // The store failed (Redis down): keep the results to write when it is back (leases that run out meanwhile let
    // other instances send those requests again, at most once more each).
    const finals = await this.outbox.settle(batch, this.now()).catch((error: unknown) => {
      this.unsettled = batch.concat(this.unsettled);
      throw error;
    });
    this.storeWorks();
    for (const final of finals) {
      this.options.onFinal(final);
      this.options.observer?.onFinal?.(final);
    }
    this.options.onChange?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.settleDue()) await this.record();
      if (this.releaseBackoffs) {
        this.releaseBackoffs = false;
        await this.outbox.releaseBackoffs(this.now());
      }
      if (this.pausedFor !== undefined || this.outage !== undefined) {
        // Commits and finished attempts wake the loop too: only the probe time (and no attempt in flight) starts a probe.
        const wait = this.probeAt - this.now();
        if (wait > 0 || this.inFlight > 0) {
          this.woken = false;
          await this.waitFor(wait > 0 ? wait : undefined);
          continue;
        }
        this.probeAt = this.now() + (this.pausedFor !== undefined ? this.config.pauseProbeMs : this.config.outageProbeMs);
        // In an outage every lane waits on its backoff: the probe takes the oldest of them now.
        if (this.pausedFor === undefined) await this.outbox.releaseBackoffs(this.now());
        const [probe] = await this.outbox.claim(1, this.now(), this.leaseMs);
        this.storeWorks();
        if (probe) await this.track(probe);
        continue;
      }
      // Only requests handed to the sender take a slot: an answered one waits for the next write (its lane stays
      // leased until then, so the user's next request still waits for it) while its slot carries another request.
      const free = this.limit * this.client.handOver - this.attempts.size;
      if (free > 0) {
        const entries = await this.outbox.claim(free, this.now(), this.leaseMs);
        this.storeWorks();
        // Paused (or an outage began) while claiming: hand them back untried.
        if (this.pausedFor !== undefined || this.outage !== undefined)
          this.unsettled.push(...entries.map((entry) => ({ entry, settlement: { result: 'released' } as const })));
        else for (const entry of entries) void this.track(entry);
        const short = entries.length < free;
        if (short !== this.short) {
          this.short = short;
          // A paced intake waiting for delivery to run short looks again.
          if (short) this.options.onChange?.();
        }
        if (entries.length > 0) continue;
      }
      const next = free > 0 ? await this.outbox.nextReadyAt() : undefined;
      const wait = next === undefined ? undefined : Math.max(1, next - this.now());
      await this.waitFor(this.outbox.pollMs === undefined ? wait : Math.min(wait ?? Infinity, this.outbox.pollMs));
      // Let the other answers that arrived in this turn of the event loop join the same write.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Whether the answers waiting to be written should be now: enough of them, the oldest waited long enough, or nothing else is coming. */
  private settleDue(): boolean {
    const waiting = this.unsettled.length;
    if (waiting === 0) return false;
    if (this.attempts.size === 0 || this.pausedFor !== undefined || this.outage !== undefined) return true;
    return waiting >= Math.max(1, Math.floor(this.limit / settleShare)) || this.settleOverdue;
  }

  /** An answer (or a request handed back) to write with the next group. */
  private answered(entry: OutboxEntry, settlement: Settlement): void {
    if (this.unsettled.length === 0) {
      this.settleTimer = setTimeout(() => {
        this.settleOverdue = true;
        this.wake();
      }, settleAfterMs);
    }
    this.unsettled.push({ entry, settlement });
  }

  private track(entry: OutboxEntry): Promise<void> {
    // Whatever goes wrong with one request (it cannot be serialised or sent) dead-letters it, not the loop.
    const attempt = (
      entry.unreadable === undefined
        ? this.attempt(entry).catch((error: unknown) => this.unsendable(entry, `could not be sent: ${(error as Error).message}`))
        : Promise.resolve(this.unsendable(entry, entry.unreadable))
    ).finally(() => {
      this.attempts.delete(attempt);
      this.wake();
    });
    this.attempts.add(attempt);
    return attempt;
  }

  /** Resolves on wake(), or after `ms` when given. */
  private async waitFor(ms?: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const stop = new AbortController();
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      if (ms !== undefined) void this.sleep(ms, stop.signal).then(resolve, resolve);
    });
    stop.abort();
    this.wakeUp = undefined;
    this.woken = false;
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    const started = this.now();
    const attempt = await this.client.post(entry.request);
    const now = this.now();
    const attempts = entry.attempts + 1;
    const firstAttemptAt = entry.firstAttemptAt ?? started;
    let settlement: Settlement;
    let result: AttemptReport['result'] = 'fatal';
    if (this.cut || attempt.code === notSent.code) {
      settlement = { result: 'released' };
    } else {
      const verdict = classifyAttempt(attempt, now);
      if (verdict.kind === 'delivered') {
        result = 'delivered';
        settlement = { result: 'delivered', attempts };
        this.resume();
        this.recovered();
      } else if (verdict.kind === 'fatal' && verdict.unhealthy) {
        settlement = { result: 'released' };
        this.pause(verdict.unhealthy);
      } else if (verdict.kind === 'fatal') {
        settlement = { result: 'failed', reason: verdict.reason, attempts, firstAttemptAt, last: lastResponseOf(attempt) };
      } else {
        const decision = nextRetry({ attempts, firstAttemptAt, now, retryAfterMs: verdict.retryAfterMs }, this.config, this.random);
        const last = lastResponseOf(attempt);
        this.failedTransiently(entry.lane, verdict.reason);
        if (decision.retry) {
          result = 'retry';
          settlement = { result: 'retry', at: now + decision.delayMs, attempts, firstAttemptAt, last };
        } else {
          settlement = { result: 'failed', reason: `${decision.reason}: ${verdict.reason}`, attempts, firstAttemptAt, last };
        }
      }
      // The sender holds what it queued behind this answer until it hears whether delivery goes on.
      if (verdict.kind !== 'delivered') void this.client.after(this.pausedFor !== undefined || this.outage !== undefined ? 'recall' : 'go');
      const { body } = lastResponseOf(attempt);
      this.options.observer?.onAttempt?.({
        eventId: entry.eventId,
        key: entry.key,
        type: entry.request.body.type,
        ...(attempt.status !== undefined ? { status: attempt.status } : {}),
        ...(attempt.code !== undefined ? { code: attempt.code } : {}),
        ...(body !== undefined ? { body } : {}),
        result,
        durationMs: now - started,
      });
    }
    this.answered(entry, settlement);
  }

  /** A request that could not be read back or sent: dead-lettered with why, so the lane's next request goes on. */
  private unsendable(entry: OutboxEntry, reason: string): void {
    const now = this.now();
    this.answered(entry, { result: 'failed', reason, attempts: entry.attempts, firstAttemptAt: entry.firstAttemptAt ?? now, last: {} });
  }

  /** A transient failure; enough of them in a row, on different lanes, mean OpenPanel itself is failing. */
  private failedTransiently(lane: string, reason: string): void {
    this.failuresInARow++;
    this.failingLanes.add(lane);
    if (this.outage !== undefined) {
      this.outage.reason = reason;
      return;
    }
    if (this.failuresInARow < outageFailures || this.failingLanes.size < 2) return;
    this.outage = { reason };
    this.probeAt = this.now() + this.config.outageProbeMs;
    this.options.onChange?.();
  }

  /** A request was delivered: an outage is over, every lane waiting on its backoff goes now, at a growing rate. */
  private recovered(): void {
    this.failuresInARow = 0;
    this.failingLanes.clear();
    if (this.outage === undefined) {
      this.limit = Math.min(this.config.concurrency, this.limit + 1);
      return;
    }
    this.outage = undefined;
    this.releaseBackoffs = true;
    this.limit = Math.min(this.config.concurrency, rampStart);
    this.wake();
    this.options.onChange?.();
  }

  /** A write to the outbox went through: a store failure is over. */
  private storeWorks(): void {
    if (this.failure === undefined) return;
    this.failure = undefined;
    this.options.onChange?.();
  }

  private pause(reason: string): void {
    if (this.pausedFor === reason) return;
    this.pausedFor = reason;
    this.probeAt = this.now() + this.config.pauseProbeMs;
    this.options.onChange?.();
  }

  private resume(): void {
    if (this.pausedFor === undefined) return;
    this.pausedFor = undefined;
    this.wake();
    this.options.onChange?.();
  }
}
