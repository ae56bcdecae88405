import type { Statement } from 'better-sqlite3';
import { zLastResponse } from '../../delivery/dead-letters.js';
import { finalOf, type FailedRequest, type QueuedEvent } from '../../delivery/event-final.js';
import { eventOfDeadLetter } from '../../delivery/lanes.js';
import {
  QueueFullError,
  type ChangeSet,
  type CommitResult,
  type FinalOutcome,
  type Outbox,
  type OutboxEntry,
  type OutboxStats,
  type Settlement,
} from '../../delivery/outbox.js';
import type { OpenPanelRequest } from '../../openpanel/contract.js';
import { guarded, type StateDb } from './db.js';
import type { SqliteDeadLetterStore } from './dead-letters.js';
import type { SqliteDedupeStore } from './dedupe.js';
import type { SqliteMembershipStore } from './membership.js';

interface EventRow {
  id: number;
  idx: number;
  message_id: string;
  user_key: string | null;
  event: string;
  total_requests: number;
  open_requests: number;
  attempts: number;
  first_attempt_at: number | null;
  failed: string;
  last_response: string;
}

interface RequestRow {
  id: number;
  event_id: number;
  key: string;
  request: string;
  attempts: number;
  first_attempt_at: number | null;
}

/**
 * The outbox in the state file. Three tables: events (until final), requests (one row each, in their lane),
 * and lanes (one row per non-empty lane: when its head is ready and whether it is leased). Each method is one
 * transaction. The process holds the file exclusively (see db.ts), so leases left by a killed run are dropped
 * on open and the queued counts are kept in memory.
 */
export class SqliteOutbox implements Outbox {
  private queuedEvents: number;
  private queuedRequests: number;
  private readonly sql: Record<string, Statement>;
  private readonly commitTx: (changes: ChangeSet, maxQueuedEvents: number) => CommitResult;
  private readonly claimTx: (limit: number, now: number, leaseMs: number) => OutboxEntry[];
  private readonly settleTx: (settlements: ReadonlyArray<{ entry: OutboxEntry; settlement: Settlement }>, now: number) => FinalOutcome[];
  private readonly requeueTx: (limit: number, now: number) => number;

  constructor(
    private readonly db: StateDb,
    private readonly membership: SqliteMembershipStore,
    private readonly dedupe: SqliteDedupeStore,
    private readonly deadLetters: SqliteDeadLetterStore,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS outbox_events (
        id INTEGER PRIMARY KEY,
        idx INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        user_key TEXT,
        event TEXT NOT NULL,
        total_requests INTEGER NOT NULL,
        open_requests INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        first_attempt_at INTEGER,
        failed TEXT NOT NULL DEFAULT '[]',
        last_response TEXT NOT NULL DEFAULT '{}',
        enqueued_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS outbox_requests (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL,
        lane TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        request TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        first_attempt_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS outbox_requests_lane ON outbox_requests (lane, id);
      CREATE TABLE IF NOT EXISTS outbox_lanes (
        lane TEXT PRIMARY KEY,
        ready_at INTEGER NOT NULL,
        leased_until INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS outbox_lanes_ready ON outbox_lanes (ready_at);
      UPDATE outbox_lanes SET leased_until = 0 WHERE leased_until <> 0;
    `);
    this.sql = {
      insertEvent: db.prepare(
        `INSERT INTO outbox_events (idx, message_id, user_key, event, total_requests, open_requests, attempts, first_attempt_at, enqueued_at)
         VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?)`,
      ),
      setEventRequests: db.prepare('UPDATE outbox_events SET total_requests = @n, open_requests = @n WHERE id = @id'),
      deleteEvent: db.prepare('DELETE FROM outbox_events WHERE id = ?'),
      selectEvent: db.prepare('SELECT * FROM outbox_events WHERE id = ?'),
      closeOne: db.prepare('UPDATE outbox_events SET open_requests = open_requests - 1 WHERE id = ? RETURNING open_requests'),
      recordAttempts: db.prepare(
        'UPDATE outbox_events SET attempts = attempts + ?, first_attempt_at = coalesce(first_attempt_at, ?), last_response = coalesce(?, last_response) WHERE id = ?',
      ),
      recordFailure: db.prepare("UPDATE outbox_events SET failed = json_insert(failed, '$[#]', json(?)) WHERE id = ?"),
      insertRequest: db.prepare('INSERT OR IGNORE INTO outbox_requests (event_id, lane, key, request) VALUES (?, ?, ?, ?)'),
      deleteRequest: db.prepare('DELETE FROM outbox_requests WHERE id = ?'),
      retryRequest: db.prepare('UPDATE outbox_requests SET attempts = ?, first_attempt_at = ? WHERE id = ?'),
      head: db.prepare('SELECT id, event_id, key, request, attempts, first_attempt_at FROM outbox_requests WHERE lane = ? ORDER BY id LIMIT 1'),
      laneRequests: db.prepare('SELECT id, event_id, key FROM outbox_requests WHERE lane = ? ORDER BY id'),
      addLane: db.prepare('INSERT INTO outbox_lanes (lane, ready_at) VALUES (?, ?) ON CONFLICT (lane) DO NOTHING'),
      selectLane: db.prepare('SELECT ready_at, leased_until FROM outbox_lanes WHERE lane = ?'),
      readyLanes: db.prepare('SELECT lane FROM outbox_lanes WHERE ready_at <= @now AND leased_until <= @now ORDER BY ready_at LIMIT @limit'),
      leaseLane: db.prepare('UPDATE outbox_lanes SET leased_until = ? WHERE lane = ?'),
      readyLane: db.prepare('UPDATE outbox_lanes SET ready_at = ?, leased_until = 0 WHERE lane = ?'),
      deleteLane: db.prepare('DELETE FROM outbox_lanes WHERE lane = ?'),
      releaseBackoffs: db.prepare('UPDATE outbox_lanes SET ready_at = @now WHERE ready_at > @now AND leased_until <= @now'),
      nextReady: db.prepare('SELECT min(ready_at) AS at FROM outbox_lanes WHERE leased_until = 0'),
      countEvents: db.prepare('SELECT count(*) AS n FROM outbox_events'),
      countRequests: db.prepare('SELECT count(*) AS n FROM outbox_requests'),
      oldest: db.prepare('SELECT enqueued_at AS at FROM outbox_events ORDER BY id LIMIT 1'),
    };
    this.queuedEvents = (this.sql.countEvents!.get() as { n: number }).n;
    this.queuedRequests = (this.sql.countRequests!.get() as { n: number }).n;
    // A failure mid-run (disk full) rolls the transaction back and surfaces as a StateError naming the file.
    this.commitTx = guarded(db, db.transaction((changes: ChangeSet, maxQueuedEvents: number) => this.commitNow(changes, maxQueuedEvents)));
    this.claimTx = guarded(db, db.transaction((limit: number, now: number, leaseMs: number) => this.claimNow(limit, now, leaseMs)));
    this.settleTx = guarded(
      db,
      db.transaction((settlements: ReadonlyArray<{ entry: OutboxEntry; settlement: Settlement }>, now: number) =>
        settlements.flatMap(({ entry, settlement }) => {
          const final = this.settleNow(entry, settlement, now);
          return final ? [final] : [];
        }),
      ),
    );
    this.requeueTx = guarded(
      db,
      db.transaction((limit: number, now: number) => {
        const records = this.deadLetters.listNow(limit);
        this.commitNow({ membership: { merges: [], upserts: [] }, events: records.map(eventOfDeadLetter), now }, Infinity);
        this.deadLetters.removeNow(records.map((r) => r.id));
        return records.length;
      }),
    );
  }

  async commit(changes: ChangeSet, maxQueuedEvents = Infinity): Promise<CommitResult> {
    return this.commitTx(changes, maxQueuedEvents);
  }

  async claim(limit: number, now: number, leaseMs: number): Promise<OutboxEntry[]> {
    return limit > 0 ? this.claimTx(limit, now, leaseMs) : [];
  }

  async settle(settlements: ReadonlyArray<{ entry: OutboxEntry; settlement: Settlement }>, now: number): Promise<FinalOutcome[]> {
    return settlements.length === 0 ? [] : this.settleTx(settlements, now);
  }

  async nextReadyAt(): Promise<number | undefined> {
    return (this.sql.nextReady!.get() as { at: number | null }).at ?? undefined;
  }

  async releaseBackoffs(now: number): Promise<number> {
    return guarded(this.db, () => this.sql.releaseBackoffs!.run({ now }).changes)();
  }

  async requeueDeadLetters(limit: number, now: number): Promise<number> {
    return this.requeueTx(limit, now);
  }

  async stats(): Promise<OutboxStats> {
    const oldest = this.sql.oldest!.get() as { at: number } | undefined;
    return {
      queuedEvents: this.queuedEvents,
      queuedRequests: this.queuedRequests,
      ...(oldest ? { oldestQueuedAt: oldest.at } : {}),
      deadLetters: await this.deadLetters.count(),
    };
  }

  async close(): Promise<void> {}

  private commitNow(changes: ChangeSet, maxQueuedEvents: number): CommitResult {
    if (this.queuedEvents > 0 && this.queuedEvents + changes.events.length > maxQueuedEvents) {
      throw new QueueFullError(this.queuedEvents, maxQueuedEvents);
    }
    this.membership.applyNow(changes.membership);
    const events: CommitResult['events'] = [];
    const settled: FinalOutcome[] = [];
    for (const event of changes.events) {
      const fresh = event.requests.filter((r) => !this.dedupe.has(r.key));
      if (fresh.length === 0) {
        events.push({ duplicate: true });
        continue;
      }
      const eventId = Number(
        this.sql.insertEvent!.run(
          event.index,
          event.messageId,
          event.userKey ?? null,
          JSON.stringify(event.event) ?? 'null',
          event.history?.attempts ?? 0,
          event.history?.firstAttemptAt ?? null,
          changes.now,
        ).lastInsertRowid,
      );
      let queued = 0;
      for (const request of fresh) {
        // A key already queued (the same event re-sent before delivery) is not queued twice.
        if (this.sql.insertRequest!.run(eventId, request.lane, request.key, JSON.stringify(request.request)).changes === 0) continue;
        queued++;
        if (request.supersedable) settled.push(...this.supersede(request.lane, request.key, changes.now));
        this.sql.addLane!.run(request.lane, changes.now);
      }
      if (queued === 0) {
        this.sql.deleteEvent!.run(eventId);
        events.push({ duplicate: true });
        continue;
      }
      this.sql.setEventRequests!.run({ id: eventId, n: queued });
      this.queuedEvents++;
      this.queuedRequests += queued;
      events.push({ eventId: String(eventId), queuedRequests: queued });
    }
    return { events, settled };
  }

  /** Drops the lane's unclaimed requests other than `newest`: it carries the group's latest traits. */
  private supersede(lane: string, newest: string, now: number): FinalOutcome[] {
    const state = this.sql.selectLane!.get(lane) as { ready_at: number; leased_until: number } | undefined;
    const rows = this.sql.laneRequests!.all(lane) as Array<{ id: number; event_id: number; key: string }>;
    const dropped = rows.slice(state && state.leased_until > now ? 1 : 0).filter((row) => row.key !== newest);
    const settled: FinalOutcome[] = [];
    for (const row of dropped) {
      this.sql.deleteRequest!.run(row.id);
      this.queuedRequests--;
      this.dedupe.mark(row.key);
      const final = this.closeRequest(row.event_id, now);
      if (final) settled.push(final);
    }
    if (dropped.length > 0 && state && state.leased_until <= now) this.sql.readyLane!.run(Math.min(state.ready_at, now), lane);
    return settled;
  }

  private claimNow(limit: number, now: number, leaseMs: number): OutboxEntry[] {
    const lanes = this.sql.readyLanes!.all({ now, limit }) as Array<{ lane: string }>;
    return lanes.flatMap(({ lane }) => {
      let head = this.sql.head!.get(lane) as RequestRow | undefined;
      if (!head && this.renameUnreadableLanes() > 0) head = this.sql.head!.get(lane) as RequestRow | undefined;
      if (!head) {
        // A lane row without requests (nothing to send): dropped rather than claimed again and again.
        this.sql.deleteLane!.run(lane);
        return [];
      }
      this.sql.leaseLane!.run(now + leaseMs, lane);
      return {
        id: String(head.id),
        eventId: String(head.event_id),
        lane,
        key: head.key,
        request: JSON.parse(head.request) as OpenPanelRequest,
        attempts: head.attempts,
        ...(head.first_attempt_at !== null ? { firstAttemptAt: head.first_attempt_at } : {}),
      };
    });
  }

  /**
   * Lanes written by an earlier version from ids holding a lone surrogate: SQLite got bytes that are not UTF-8,
   * so the name read back (with U+FFFD) matched no request and every claim failed. Each such lane is renamed to
   * the name as read back (found by its stored bytes), so its requests flow again. Returns how many were renamed.
   */
  private renameUnreadableLanes(): number {
    const lanes = this.db.prepare('SELECT lane, CAST(lane AS BLOB) AS raw, ready_at FROM outbox_lanes').all() as Array<{ lane: string; raw: Buffer; ready_at: number }>;
    const broken = lanes.filter(({ lane, raw }) => !Buffer.from(lane).equals(raw));
    for (const { lane, raw, ready_at } of broken) {
      this.db.prepare('UPDATE outbox_requests SET lane = ? WHERE lane = CAST(? AS TEXT)').run(lane, raw);
      this.db.prepare('DELETE FROM outbox_lanes WHERE lane = CAST(? AS TEXT)').run(raw);
      this.sql.addLane!.run(lane, ready_at);
    }
    return broken.length;
  }

  private settleNow(entry: OutboxEntry, settlement: Settlement, now: number): FinalOutcome | undefined {
    const head = this.sql.head!.get(entry.lane) as RequestRow | undefined;
    if (head?.id !== Number(entry.id)) return undefined; // superseded while on the wire: nothing left to settle
    if (settlement.result === 'released') {
      this.sql.leaseLane!.run(0, entry.lane);
      return undefined;
    }
    const last = settlement.result === 'delivered' ? null : JSON.stringify(zLastResponse.parse(settlement.last));
    const firstAttemptAt = settlement.result === 'delivered' ? null : settlement.firstAttemptAt;
    this.sql.recordAttempts!.run(settlement.attempts - head.attempts, firstAttemptAt, last, head.event_id);
    if (settlement.result === 'retry') {
      this.sql.retryRequest!.run(settlement.attempts, settlement.firstAttemptAt, head.id);
      this.sql.readyLane!.run(settlement.at, entry.lane);
      return undefined;
    }
    if (settlement.result === 'delivered') this.dedupe.mark(head.key);
    else this.sql.recordFailure!.run(JSON.stringify({ request: entry.request, key: head.key, reason: settlement.reason } satisfies FailedRequest), head.event_id);
    this.sql.deleteRequest!.run(head.id);
    this.queuedRequests--;
    if (this.sql.head!.get(entry.lane)) this.sql.readyLane!.run(now, entry.lane);
    else this.sql.deleteLane!.run(entry.lane);
    return this.closeRequest(head.event_id, now);
  }

  /** One of the event's requests is settled; when it was the last, the event leaves with its final outcome. */
  private closeRequest(eventId: number, now: number): FinalOutcome | undefined {
    const { open_requests: open } = this.sql.closeOne!.get(eventId) as { open_requests: number };
    if (open > 0) return undefined;
    const row = this.sql.selectEvent!.get(eventId) as EventRow;
    this.sql.deleteEvent!.run(eventId);
    this.queuedEvents--;
    const event: QueuedEvent = {
      id: String(row.id),
      index: row.idx,
      messageId: row.message_id,
      ...(row.user_key !== null ? { userKey: row.user_key } : {}),
      event: JSON.parse(row.event) as unknown,
      totalRequests: row.total_requests,
      attempts: row.attempts,
      ...(row.first_attempt_at !== null ? { firstAttemptAt: row.first_attempt_at } : {}),
      failed: JSON.parse(row.failed) as FailedRequest[],
      last: JSON.parse(row.last_response) as QueuedEvent['last'],
    };
    const { outcome, deadLetter } = finalOf(event, now);
    if (deadLetter) outcome.deadLetterId = this.deadLetters.addNow(deadLetter);
    return outcome;
  }
}
