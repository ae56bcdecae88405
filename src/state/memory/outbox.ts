import { finalOf, type QueuedEvent } from '../../delivery/event-final.js';
import { eventOfDeadLetter, replayedRequest } from '../../delivery/lanes.js';
import { supersedingUpsert } from '../../delivery/supersede.js';
import {
  QueueFullError,
  type ChangeSet,
  type CommitResult,
  type FinalOutcome,
  type Outbox,
  type OutboxEntry,
  type OutboxRequest,
  type OutboxStats,
  type Settlement,
} from '../../delivery/outbox.js';
import type { OpenPanelRequest } from '../../openpanel/contract.js';
import type { MemoryDeadLetterStore } from './dead-letters.js';
import type { MemoryDedupeStore } from './dedupe.js';
import type { MemoryMembershipStore } from './membership.js';

interface QueuedRequest extends OutboxRequest {
  id: string;
  eventId: string;
  attempts: number;
  firstAttemptAt?: number;
}

interface Lane {
  requests: QueuedRequest[];
  readyAt: number;
  leasedUntil: number;
}

/**
 * The library's default outbox: the same contract as SQLite's, held in Maps (lost on exit). Each operation
 * runs without an await from its first read to its last write (the stores' synchronous methods), so it is
 * atomic in this process.
 */
export class MemoryOutbox implements Outbox {
  private readonly lanes = new Map<string, Lane>();
  private readonly events = new Map<string, QueuedEvent & { open: number; enqueuedAt: number }>();
  private readonly queuedKeys = new Set<string>();
  private nextId = 1;
  private requestCount = 0;

  constructor(
    private readonly membership: MemoryMembershipStore,
    private readonly dedupe: MemoryDedupeStore,
    private readonly deadLetters: MemoryDeadLetterStore,
  ) {}

  async commit(changes: ChangeSet, maxQueuedEvents = Infinity): Promise<CommitResult> {
    return this.commitNow(changes, maxQueuedEvents);
  }

  private commitNow(changes: ChangeSet, maxQueuedEvents: number): CommitResult {
    if (this.events.size > 0 && this.events.size + changes.events.length > maxQueuedEvents) {
      throw new QueueFullError(this.events.size, maxQueuedEvents);
    }
    this.membership.applyNow(changes.membership);
    for (const key of changes.seen ?? []) this.dedupe.mark(key);
    const settled: FinalOutcome[] = [];
    const results: CommitResult['events'] = [];
    for (const event of changes.events) {
      const fresh = event.requests.filter((r) => !this.queuedKeys.has(r.key) && !this.dedupe.has(r.key));
      if (fresh.length === 0) {
        results.push({ duplicate: true });
        continue;
      }
      const eventId = String(this.nextId++);
      const { history } = event;
      this.events.set(eventId, {
        id: eventId,
        index: event.index,
        messageId: event.messageId,
        ...(event.userKey !== undefined ? { userKey: event.userKey } : {}),
        event: event.event,
        totalRequests: fresh.length,
        attempts: history?.attempts ?? 0,
        ...(history ? { firstAttemptAt: history.firstAttemptAt } : {}),
        failed: [],
        last: {},
        open: fresh.length,
        enqueuedAt: changes.now,
      });
      for (const given of fresh) {
        const request = event.replayed ? replayedRequest(given, (groupId) => this.membership.groupNow(groupId)) : given;
        let queued = request;
        if (request.request.body.type === 'group') this.membership.upsertGroupNow(request.request.body.payload, changes.now);
        if (request.supersedable) {
          const { settled: closed, dropped } = this.supersede(request.lane, changes.now);
          settled.push(...closed);
          if (dropped.length > 0) queued = { ...request, request: supersedingUpsert(dropped, request.request) };
        }
        this.append({ ...queued, id: String(this.nextId++), eventId, attempts: 0 }, changes.now);
      }
      results.push({ eventId, queuedRequests: fresh.length });
    }
    return { events: results, settled };
  }

  async taken(keys: readonly string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.queuedKeys.has(key) || this.dedupe.has(key)));
  }

  async claim(limit: number, now: number, leaseMs: number): Promise<OutboxEntry[]> {
    // Lanes in the order they were opened (an emptied lane closes and reopens at the end): round robin without a sort.
    const ready: Array<[string, Lane]> = [];
    for (const entry of this.lanes) {
      if (ready.length >= limit) break;
      if (entry[1].readyAt <= now && entry[1].leasedUntil <= now) ready.push(entry);
    }
    return ready.map(([name, lane]) => {
      lane.leasedUntil = now + leaseMs;
      const head = lane.requests[0]!;
      return {
        id: head.id,
        eventId: head.eventId,
        lane: name,
        key: head.key,
        request: head.request,
        attempts: head.attempts,
        ...(head.firstAttemptAt !== undefined ? { firstAttemptAt: head.firstAttemptAt } : {}),
      };
    });
  }

  async settle(settlements: ReadonlyArray<{ entry: OutboxEntry; settlement: Settlement }>, now: number): Promise<FinalOutcome[]> {
    const finals: FinalOutcome[] = [];
    for (const { entry, settlement } of settlements) {
      const final = this.settleNow(entry, settlement, now);
      if (final) finals.push(final);
    }
    return finals;
  }

  private settleNow(entry: OutboxEntry, settlement: Settlement, now: number): FinalOutcome | undefined {
    const lane = this.lanes.get(entry.lane);
    const head = lane?.requests[0];
    if (!lane || head?.id !== entry.id) return undefined; // superseded while on the wire
    lane.leasedUntil = 0;
    if (settlement.result === 'released') return undefined;
    const event = this.events.get(head.eventId)!;
    event.attempts += settlement.attempts - head.attempts;
    if (settlement.result !== 'delivered') {
      event.firstAttemptAt ??= settlement.firstAttemptAt;
      event.last = settlement.last;
    }
    if (settlement.result === 'retry') {
      head.attempts = settlement.attempts;
      head.firstAttemptAt = settlement.firstAttemptAt;
      lane.readyAt = settlement.at;
      return undefined;
    }
    if (settlement.result === 'delivered') this.dedupe.mark(head.key);
    else event.failed.push({ request: head.request, key: head.key, reason: settlement.reason });
    this.shift(entry.lane, lane, now);
    return this.settleOne(head.eventId, now);
  }

  async releaseBackoffs(now: number): Promise<number> {
    let released = 0;
    for (const lane of this.lanes.values()) {
      if (lane.readyAt <= now || lane.leasedUntil > now) continue;
      lane.readyAt = now;
      released++;
    }
    return released;
  }

  async nextReadyAt(): Promise<number | undefined> {
    let next: number | undefined;
    for (const lane of this.lanes.values()) if (lane.leasedUntil === 0 && (next === undefined || lane.readyAt < next)) next = lane.readyAt;
    return next;
  }

  async requeueDeadLetters(limit: number, now: number): Promise<number> {
    const records = this.deadLetters.listNow(limit);
    this.commitNow({ membership: { merges: [] }, events: records.map(eventOfDeadLetter), now }, Infinity);
    this.deadLetters.removeNow(records.map((r) => r.id));
    return records.length;
  }

  async stats(): Promise<OutboxStats> {
    const oldest = this.events.values().next().value;
    return {
      queuedEvents: this.events.size,
      queuedRequests: this.requestCount,
      ...(oldest ? { oldestQueuedAt: oldest.enqueuedAt } : {}),
      deadLetters: await this.deadLetters.count(),
    };
  }

  async close(): Promise<void> {}

  private append(request: QueuedRequest, now: number): void {
    const lane = this.lanes.get(request.lane);
    if (lane) lane.requests.push(request);
    else this.lanes.set(request.lane, { requests: [request], readyAt: now, leasedUntil: 0 });
    this.queuedKeys.add(request.key);
    this.requestCount++;
  }

  private shift(name: string, lane: Lane, now: number): void {
    const head = lane.requests.shift()!;
    this.queuedKeys.delete(head.key);
    this.requestCount--;
    if (lane.requests.length === 0) this.lanes.delete(name);
    else lane.readyAt = now;
  }

  /** Drops the lane's unclaimed requests (returned, oldest first): a newer upsert takes their properties under its own. */
  private supersede(name: string, now: number): { settled: FinalOutcome[]; dropped: OpenPanelRequest[] } {
    const lane = this.lanes.get(name);
    if (!lane) return { settled: [], dropped: [] };
    const keep = lane.leasedUntil > now ? 1 : 0;
    const dropped = lane.requests.splice(keep);
    const settled: FinalOutcome[] = [];
    for (const request of dropped) {
      this.queuedKeys.delete(request.key);
      this.requestCount--;
      this.dedupe.mark(request.key);
      const final = this.settleOne(request.eventId, now);
      if (final) settled.push(final);
    }
    if (lane.requests.length === 0) this.lanes.delete(name);
    else lane.readyAt = Math.min(lane.readyAt, now);
    return { settled, dropped: dropped.map((request) => request.request) };
  }

  private settleOne(eventId: string, now: number): FinalOutcome | undefined {
    const event = this.events.get(eventId)!;
    if (--event.open > 0) return undefined;
    this.events.delete(eventId);
    const { outcome, deadLetter } = finalOf(event, now);
    if (deadLetter) outcome.deadLetterId = this.deadLetters.addNow(deadLetter);
    return outcome;
  }
}
