import type { AttemptReport, DeliveryObserver, TakenEvent } from '../../../delivery/deliverer.js';
import type { FinalOutcome } from '../../../delivery/outbox.js';
import type { OpenPanelBody } from '../../../openpanel/contract.js';

/** Where one of an event's OpenPanel requests stands, as this instance saw it. */
export interface LiveRequest {
  key: string;
  headers: Record<string, string>;
  body: OpenPanelBody;
  status: 'queued' | 'delivered' | 'retrying' | 'failed';
  attempts: number;
  /** The last answer: HTTP status, network error code, OpenPanel's body (truncated). */
  last?: { status?: number; code?: string; body?: string };
}

export type LiveStatus = 'queued' | 'retrying' | 'delivered' | 'dead_lettered' | 'rejected' | 'skipped';

/** One event taken by this instance, with its requests and outcome. */
export interface LiveEvent {
  /** Changes whenever the entry does: a poll asks for what changed since the last seq it saw. */
  seq: number;
  id: string;
  receivedAt: number;
  messageId?: string;
  /** userId, else anonymousId. */
  user?: string;
  type?: string;
  /** What the event names: a track's event, a page's or screen's name, a group call's groupId. */
  name?: string;
  event: unknown;
  status: LiveStatus;
  reason?: string;
  requests: LiveRequest[];
}

export interface Rates {
  /** Start (ms) of each minute, oldest first: the last hour. */
  minutes: number[];
  received: number[];
  delivered: number[];
  retried: number[];
  deadLettered: number[];
}

export interface Latency {
  samples: number;
  p50Ms?: number;
  p95Ms?: number;
}

export interface ActivityOptions {
  /** Live events kept (oldest dropped first). */
  liveLimit?: number;
  now?: () => number;
}

const MINUTE_MS = 60_000;
const HOUR_MINUTES = 60;
/** Latency figures cover this many recent samples: enough for stable percentiles, bounded in memory. */
const LATENCY_SAMPLES = 4096;
/** Events waiting for their final outcome whose receive time is remembered for the event latency, per generation. */
const PENDING_GENERATION = 10_000;
const counters = ['received', 'delivered', 'retried', 'deadLettered'] as const;
type Counter = (typeof counters)[number];

/** A bounded ring of durations (ms) with percentiles. */
class Samples {
  private readonly values = new Float64Array(LATENCY_SAMPLES);
  private count = 0;

  add(ms: number): void {
    this.values[this.count++ % LATENCY_SAMPLES] = ms;
  }

  summary(): Latency {
    const n = Math.min(this.count, LATENCY_SAMPLES);
    if (n === 0) return { samples: 0 };
    const sorted = this.values.slice(0, n).sort();
    const at = (q: number): number => Math.round(sorted[Math.min(n - 1, Math.floor(q * n))]!);
    return { samples: n, p50Ms: at(0.5), p95Ms: at(0.95) };
  }
}

const field = (event: unknown, name: string): unknown => (typeof event === 'object' && event !== null ? (event as Record<string, unknown>)[name] : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * What this instance saw happen, for the console: events taken and what became of their requests (a bounded
 * buffer, oldest dropped first), counts per minute over the last hour, and latency percentiles. Fed as a
 * delivery observer; per instance by nature (shared figures, queue and dead letters, are read from the store).
 */
export function createActivity(options: ActivityOptions = {}) {
  const liveLimit = options.liveLimit ?? 500;
  const now = options.now ?? Date.now;
  const live = new Map<string, LiveEvent>();
  const minutes = new Map<number, Record<Counter, number>>();
  const requestTimes = new Samples();
  const eventTimes = new Samples();
  // eventId -> receive time, for events taken here and not yet final, in two generations: a full one becomes the
  // older and the older is dropped whole (evicting one entry at a time from a Map's front costs a scan of its holes).
  let pending = new Map<string, number>();
  let olderPending = new Map<string, number>();
  let seq = 0;
  let untracked = 0;

  const count = (counter: Counter, n = 1): void => {
    const minute = Math.floor(now() / MINUTE_MS) * MINUTE_MS;
    let bucket = minutes.get(minute);
    if (bucket === undefined) {
      bucket = { received: 0, delivered: 0, retried: 0, deadLettered: 0 };
      minutes.set(minute, bucket);
      for (const old of minutes.keys()) if (old <= minute - HOUR_MINUTES * MINUTE_MS) minutes.delete(old);
    }
    bucket[counter] += n;
  };

  const touch = (entry: LiveEvent): void => {
    entry.seq = ++seq;
    // Re-inserted so the map stays in order of change: a poll reads from the end.
    live.delete(entry.id);
    live.set(entry.id, entry);
  };

  const observer: DeliveryObserver = {
    onTaken(taken: TakenEvent): void {
      count('received');
      const receivedAt = now();
      if (taken.eventId !== undefined) {
        if (pending.size >= PENDING_GENERATION) [olderPending, pending] = [pending, new Map()];
        pending.set(taken.eventId, receivedAt);
      }
      const user = taken.userKey ?? text(field(taken.event, 'userId')) ?? text(field(taken.event, 'anonymousId'));
      const type = text(field(taken.event, 'type'));
      const name = text(field(taken.event, 'event')) ?? text(field(taken.event, 'name')) ?? text(field(taken.event, 'groupId'));
      const entry: LiveEvent = {
        seq: 0,
        id: taken.eventId ?? `untracked-${++untracked}`,
        receivedAt,
        ...(taken.messageId !== undefined ? { messageId: taken.messageId } : {}),
        ...(user !== undefined ? { user } : {}),
        ...(type !== undefined ? { type } : {}),
        ...(name !== undefined ? { name } : {}),
        event: taken.event,
        status: taken.status === 'accepted' ? 'queued' : taken.status,
        ...(taken.reason !== undefined ? { reason: taken.reason } : {}),
        requests: taken.requests.map(({ key, request }) => ({ key, headers: request.headers, body: request.body, status: 'queued', attempts: 0 })),
      };
      touch(entry);
      if (live.size > liveLimit) live.delete(live.keys().next().value!);
    },
    onAttempt(attempt: AttemptReport): void {
      requestTimes.add(attempt.durationMs);
      if (attempt.result === 'retry') count('retried');
      const entry = live.get(attempt.eventId);
      const request = entry?.requests.find((r) => r.key === attempt.key);
      if (entry === undefined || request === undefined) return;
      request.attempts++;
      request.status = attempt.result === 'delivered' ? 'delivered' : attempt.result === 'retry' ? 'retrying' : 'failed';
      request.last = {
        ...(attempt.status !== undefined ? { status: attempt.status } : {}),
        ...(attempt.code !== undefined ? { code: attempt.code } : {}),
        ...(attempt.body !== undefined ? { body: attempt.body } : {}),
      };
      if (attempt.result === 'retry' && entry.status === 'queued') entry.status = 'retrying';
      touch(entry);
    },
    onFinal(outcome: FinalOutcome): void {
      if (outcome.status === 'delivered') count('delivered');
      if (outcome.status === 'dead_lettered') count('deadLettered');
      const receivedAt = pending.get(outcome.eventId) ?? olderPending.get(outcome.eventId);
      if (!pending.delete(outcome.eventId)) olderPending.delete(outcome.eventId);
      if (receivedAt !== undefined && outcome.status === 'delivered') eventTimes.add(now() - receivedAt);
      const entry = live.get(outcome.eventId);
      if (entry === undefined) return;
      entry.status = outcome.status;
      if (outcome.reason !== undefined) entry.reason = outcome.reason;
      touch(entry);
    },
  };

  return {
    observer,
    /** Entries changed after `since` (a seq from an earlier answer), oldest change first, and the seq to ask from next. */
    liveSince(since: number): { seq: number; events: LiveEvent[] } {
      const changed: LiveEvent[] = [];
      // The map is in order of change: walk back from the newest until the entries are older than `since`.
      const entries = [...live.values()];
      for (let i = entries.length - 1; i >= 0 && entries[i]!.seq > since; i--) changed.push(entries[i]!);
      return { seq, events: changed.reverse() };
    },
    rates(): Rates {
      const last = Math.floor(now() / MINUTE_MS) * MINUTE_MS;
      const rates: Rates = { minutes: [], received: [], delivered: [], retried: [], deadLettered: [] };
      for (let minute = last - (HOUR_MINUTES - 1) * MINUTE_MS; minute <= last; minute += MINUTE_MS) {
        rates.minutes.push(minute);
        const bucket = minutes.get(minute);
        for (const counter of counters) rates[counter].push(bucket?.[counter] ?? 0);
      }
      return rates;
    },
    /** Request: one HTTP attempt to OpenPanel. Event: received here until delivered. */
    latency: (): { request: Latency; event: Latency } => ({ request: requestTimes.summary(), event: eventTimes.summary() }),
  };
}

export type Activity = ReturnType<typeof createActivity>;
