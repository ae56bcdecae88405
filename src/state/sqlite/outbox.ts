import type { Statement } from 'better-sqlite3';
import { zLastResponse } from '../../delivery/dead-letters.js';
import { finalOf, type FailedRequest, type QueuedEvent } from '../../delivery/event-final.js';
import { eventOfDeadLetter, replayedRequest } from '../../delivery/lanes.js';
import { supersedingUpsert } from '../../delivery/supersede.js';
import {
  QueueFullError,
  readStoredRequest,
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
import { LaneIndex } from './lane-index.js';
import type { SqliteDeadLetterStore } from './dead-letters.js';
import type { SqliteDedupeStore } from './dedupe.js';
import type { SqliteMembershipStore } from './membership.js';

/** The requests table's columns, for its creation and for the migration that rebuilds it (migrateKeyIndex). */
const REQUESTS_COLUMNS = `(
  id INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL,
  lane TEXT NOT NULL,
  key TEXT NOT NULL,
  request TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  first_attempt_at INTEGER,
  ready_at INTEGER
)`;

/** An event as it leaves the outbox; its own JSON only when a request failed (a dead letter needs it). */
interface EventRow {
  id: number;
  idx: number;
  message_id: string;
  user_key: string | null;
  total_requests: number;
  attempts: number;
  first_attempt_at: number | null;
  failed: string;
  last_response: string;
  event: string | null;
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
 * The outbox in the state file. Two tables: events (until final) and requests (one row each, naming its lane;
 * a head waiting for a retry keeps its ready time). Each method is one transaction. The process holds the file
 * exclusively (see db.ts), so what only orders the work lives in memory, rebuilt on open: the queued counts and
 * the lane index (lane-index.ts: lanes, ready times, leases) and the queued requests' keys (a UNIQUE index on
 * them rewrote one more scattered page per queued and per settled request). Leases would be dropped on the next
 * open anyway (the contract allows it, src/delivery/outbox.ts), so a claim writes nothing; commits and settles
 * write the requests, events and delivered keys only (README, Performance).
 */
export class SqliteOutbox implements Outbox {
  private queuedEvents: number;
  /**
   * Event ids are never reused while this process runs (SQLite would give a deleted highest id again): whoever
   * follows an event by its id (the console's live view, a waiting send) never mixes two events.
   */
  private nextEventId: number;
  private queuedRequests: number;
  private readonly lanes = new LaneIndex();
  /** Keys of the queued requests: a key already queued (the same event re-sent before delivery) is not queued twice. */
  private readonly queuedKeys = new Set<string>();
  /** Lanes whose lease the running settle transaction ends; applied once it committed (a rolled-back one keeps them). */
  private unleased: string[] = [];
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
      CREATE TABLE IF NOT EXISTS outbox_requests ${REQUESTS_COLUMNS};
    `);
    migrateLanes(db);
    migrateKeyIndex(db);
    this.sql = {
      insertEvent: db.prepare(
        `INSERT INTO outbox_events (id, idx, message_id, user_key, event, total_requests, open_requests, attempts, first_attempt_at, enqueued_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // Requests of the event found already queued (rare): one write for them, none in the usual case.
      dropRequests: db.prepare('UPDATE outbox_events SET total_requests = total_requests - @n, open_requests = open_requests - @n WHERE id = @id'),
      deleteEvent: db.prepare('DELETE FROM outbox_events WHERE id = ?'),
      // The final event leaves and is read in one statement; its own JSON only for a dead letter.
      takeEvent: db.prepare(
        `DELETE FROM outbox_events WHERE id = ? RETURNING id, idx, message_id, user_key, total_requests, attempts, first_attempt_at, failed,
           last_response, CASE WHEN json_array_length(failed) > 0 THEN event END AS event`,
      ),
      closeOne: db.prepare('UPDATE outbox_events SET open_requests = open_requests - 1 WHERE id = ? RETURNING open_requests'),
      // An answered attempt in one write of its event: the attempts, and the request closed unless it waits for a retry.
      recordAttempts: db.prepare(
        `UPDATE outbox_events SET attempts = attempts + @attempts, first_attempt_at = coalesce(first_attempt_at, @firstAttemptAt),
           last_response = coalesce(@last, last_response), open_requests = open_requests - @closes WHERE id = @id RETURNING open_requests`,
      ),
      recordFailure: db.prepare("UPDATE outbox_events SET failed = json_insert(failed, '$[#]', json(?)) WHERE id = ?"),
      insertRequest: db.prepare('INSERT INTO outbox_requests (event_id, lane, key, request) VALUES (?, ?, ?, ?)'),
      deleteRequest: db.prepare('DELETE FROM outbox_requests WHERE id = ?'),
      retryRequest: db.prepare('UPDATE outbox_requests SET attempts = ?, first_attempt_at = ?, ready_at = ? WHERE id = ?'),
      request: db.prepare('SELECT id, event_id, key, request, attempts, first_attempt_at FROM outbox_requests WHERE id = ?'),
      // Lanes are read back as SQLite returns them: one written with a lone surrogate by an earlier version (before
      // src/events/well-formed.ts) comes back with U+FFFD, the same for all its requests, so they stay one lane.
      laneRows: db.prepare('SELECT id, lane, key, ready_at FROM outbox_requests ORDER BY id'),
      clearReadyAt: db.prepare('UPDATE outbox_requests SET ready_at = NULL WHERE id = ?'),
      rewriteRequest: db.prepare('UPDATE outbox_requests SET request = ? WHERE id = ?'),
      countEvents: db.prepare('SELECT count(*) AS n FROM outbox_events'),
      countRequests: db.prepare('SELECT count(*) AS n FROM outbox_requests'),
      oldest: db.prepare('SELECT enqueued_at AS at FROM outbox_events ORDER BY id LIMIT 1'),
    };
    this.queuedEvents = (this.sql.countEvents!.get() as { n: number }).n;
    this.queuedRequests = (this.sql.countRequests!.get() as { n: number }).n;
    this.nextEventId = (db.prepare('SELECT coalesce(max(id), 0) + 1 AS id FROM outbox_events').get() as { id: number }).id;
    this.loadQueue();
    // A failure mid-run (disk full) rolls the transaction back and surfaces as a StateError naming the file; what is
    // kept in memory is read again from what the file kept.
    this.commitTx = this.writing(db.transaction((changes: ChangeSet, maxQueuedEvents: number) => this.commitNow(changes, maxQueuedEvents)));
    this.claimTx = guarded(
      db,
      db.transaction((limit: number, now: number, leaseMs: number) => this.claimNow(limit, now, leaseMs)),
    );
    this.settleTx = this.writing(
      db.transaction((settlements: ReadonlyArray<{ entry: OutboxEntry; settlement: Settlement }>, now: number) => {
        this.unleased = [];
        return settlements.flatMap(({ entry, settlement }) => {
          const final = this.settleNow(entry, settlement, now);
          return final ? [final] : [];
        });
      }),
    );
    this.requeueTx = this.writing(
      db.transaction((limit: number, now: number) => {
        const records = this.deadLetters.listNow(limit);
        this.commitNow({ membership: { merges: [] }, events: records.map(eventOfDeadLetter), now }, Infinity);
        this.deadLetters.removeNow(records.map((r) => r.id));
        return records.length;
      }),
    );
  }

  async commit(changes: ChangeSet, maxQueuedEvents = Infinity): Promise<CommitResult> {
    return this.commitTx(changes, maxQueuedEvents);
  }

  async taken(keys: readonly string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.dedupe.has(key) || this.queuedKeys.has(key)));
  }

  async claim(limit: number, now: number, leaseMs: number): Promise<OutboxEntry[]> {
    return limit > 0 ? this.claimTx(limit, now, leaseMs) : [];
  }

  async settle(settlements: ReadonlyArray<{ entry: OutboxEntry; settlement: Settlement }>, now: number): Promise<FinalOutcome[]> {
    if (settlements.length === 0) return [];
    const finals = this.settleTx(settlements, now);
    for (const lane of this.unleased) this.lanes.unlease(lane);
    return finals;
  }

  async nextReadyAt(): Promise<number | undefined> {
    return this.lanes.nextReadyAt();
  }

  /** A writing transaction; when it fails (and rolled back), the counts, lanes and delivered keys are read again from the file. */
  private writing<A extends unknown[], R>(tx: (...args: A) => R): (...args: A) => R {
    return guarded(this.db, (...args: A) => {
      try {
        return tx(...args);
      } catch (error) {
        this.reload();
        throw error;
      }
    });
  }

  private reload(): void {
    try {
      this.queuedEvents = (this.sql.countEvents!.get() as { n: number }).n;
      this.queuedRequests = (this.sql.countRequests!.get() as { n: number }).n;
      this.loadQueue();
      this.dedupe.reload();
    } catch {
      // The file cannot be read either: the error that brought us here is the one to report.
    }
  }

  /** The lanes and the queued keys, read from the requests table. */
  private loadQueue(): void {
    const keys = this.queuedKeys;
    keys.clear();
    const rows = this.sql.laneRows!.iterate() as Iterable<{ id: number; lane: string; key: string; ready_at: number | null }>;
    this.lanes.load(
      (function* () {
        for (const row of rows) {
          keys.add(row.key);
          yield row;
        }
      })(),
    );
  }

  async releaseBackoffs(now: number): Promise<number> {
    return this.writing(
      this.db.transaction(() => {
        const heads = this.lanes.releaseBackoffs(now);
        for (const id of heads) this.sql.clearReadyAt!.run(id);
        return heads.length;
      }),
    )();
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
    for (const key of changes.seen ?? []) this.dedupe.mark(key);
    const events: CommitResult['events'] = [];
    const settled: FinalOutcome[] = [];
    for (const event of changes.events) {
      const fresh = event.requests.filter((r) => !this.dedupe.has(r.key));
      if (fresh.length === 0) {
        events.push({ duplicate: true });
        continue;
      }
      const eventId = this.nextEventId++;
      this.sql.insertEvent!.run(
        eventId,
        event.index,
        event.messageId,
        event.userKey ?? null,
        event.json ?? JSON.stringify(event.event) ?? 'null',
        fresh.length,
        fresh.length,
        event.history?.attempts ?? 0,
        event.history?.firstAttemptAt ?? null,
        changes.now,
      );
      let queued = 0;
      for (const given of fresh) {
        const request = event.replayed ? replayedRequest(given, (groupId) => this.membership.groupNow(groupId)) : given;
        // A key already queued (the same event re-sent before delivery) is not queued twice.
        if (this.queuedKeys.has(request.key)) continue;
        const inserted = this.sql.insertRequest!.run(eventId, request.lane, request.key, JSON.stringify(request.request));
        this.queuedKeys.add(request.key);
        queued++;
        this.lanes.append(request.lane, Number(inserted.lastInsertRowid), changes.now);
        if (request.request.body.type === 'group') this.membership.upsertGroupNow(request.request.body.payload, changes.now);
        if (request.supersedable) settled.push(...this.supersede(request.lane, request.key, changes.now));
      }
      if (queued === 0) {
        this.sql.deleteEvent!.run(eventId);
        events.push({ duplicate: true });
        continue;
      }
      if (queued < fresh.length) this.sql.dropRequests!.run({ id: eventId, n: fresh.length - queued });
      this.queuedEvents++;
      this.queuedRequests += queued;
      events.push({ eventId: String(eventId), queuedRequests: queued });
    }
    return { events, settled };
  }

  /** Drops the lane's unclaimed requests other than `newest`, which takes their properties under its own. */
  private supersede(lane: string, newest: string, now: number): FinalOutcome[] {
    const leased = this.lanes.leased(lane, now);
    const readyAt = this.lanes.readyAt(lane);
    const rows = this.lanes
      .ids(lane)
      .slice(leased ? 1 : 0)
      .map((id) => this.sql.request!.get(id) as RequestRow);
    const dropped = rows.filter((row) => row.key !== newest);
    const settled: FinalOutcome[] = [];
    if (dropped.length === 0) return settled;
    const parse = (row: { request: string }): OpenPanelRequest => JSON.parse(row.request) as OpenPanelRequest;
    const kept = rows.find((row) => row.key === newest)!;
    this.sql.rewriteRequest!.run(JSON.stringify(supersedingUpsert(dropped.map(parse), parse(kept))), kept.id);
    for (const row of dropped) {
      this.sql.deleteRequest!.run(row.id);
      this.queuedKeys.delete(row.key);
      this.lanes.remove(lane, row.id);
      this.queuedRequests--;
      this.dedupe.mark(row.key);
      const final = this.closeRequest(row.event_id, now);
      if (final) settled.push(final);
    }
    if (readyAt !== undefined && !leased) this.lanes.schedule(lane, Math.min(readyAt, now));
    return settled;
  }

  private claimNow(limit: number, now: number, leaseMs: number): OutboxEntry[] {
    return this.lanes.claim(limit, now, now + leaseMs).map((lane) => {
      const head = this.sql.request!.get(this.lanes.head(lane)) as RequestRow;
      return {
        id: String(head.id),
        eventId: String(head.event_id),
        lane,
        key: head.key,
        ...readStoredRequest(head.request),
        attempts: head.attempts,
        ...(head.first_attempt_at !== null ? { firstAttemptAt: head.first_attempt_at } : {}),
      };
    });
  }

  /**
   * The head's row is not read again: the entry claimed it while its lane was leased, and only this settle (or a
   * supersede, caught by the head check) changes it meanwhile.
   */
  private settleNow(entry: OutboxEntry, settlement: Settlement, now: number): FinalOutcome | undefined {
    const id = Number(entry.id);
    if (this.lanes.head(entry.lane) !== id) return undefined; // superseded while on the wire: nothing left to settle
    this.unleased.push(entry.lane);
    if (settlement.result === 'released') return undefined;
    const eventId = Number(entry.eventId);
    const delivered = settlement.result === 'delivered';
    const attempts = {
      id: eventId,
      attempts: settlement.attempts - entry.attempts,
      firstAttemptAt: delivered ? null : settlement.firstAttemptAt,
      last: delivered ? null : JSON.stringify(zLastResponse.parse(settlement.last)),
      closes: settlement.result === 'retry' ? 0 : 1,
    };
    if (settlement.result === 'retry') {
      this.sql.recordAttempts!.run(attempts);
      this.sql.retryRequest!.run(settlement.attempts, settlement.firstAttemptAt, settlement.at, id);
      this.lanes.schedule(entry.lane, settlement.at);
      return undefined;
    }
    if (settlement.result === 'delivered') this.dedupe.mark(entry.key);
    else this.sql.recordFailure!.run(JSON.stringify({ request: entry.request, key: entry.key, reason: settlement.reason } satisfies FailedRequest), eventId);
    this.sql.deleteRequest!.run(id);
    this.queuedKeys.delete(entry.key);
    this.lanes.remove(entry.lane, id);
    this.queuedRequests--;
    this.lanes.schedule(entry.lane, now);
    const { open_requests: open } = this.sql.recordAttempts!.get(attempts) as { open_requests: number };
    return open > 0 ? undefined : this.finish(eventId, now);
  }

  /** One of the event's requests is settled; when it was the last, the event leaves with its final outcome. */
  private closeRequest(eventId: number, now: number): FinalOutcome | undefined {
    const { open_requests: open } = this.sql.closeOne!.get(eventId) as { open_requests: number };
    return open > 0 ? undefined : this.finish(eventId, now);
  }

  /** The event's last request is settled: it leaves the outbox with its final outcome. */
  private finish(eventId: number, now: number): FinalOutcome {
    const row = this.sql.takeEvent!.get(eventId) as EventRow;
    const failed = JSON.parse(row.failed) as FailedRequest[];
    const original = row.event === null ? undefined : (JSON.parse(row.event) as unknown);
    this.queuedEvents--;
    const event: QueuedEvent = {
      id: String(row.id),
      index: row.idx,
      messageId: row.message_id,
      ...(row.user_key !== null ? { userKey: row.user_key } : {}),
      event: original,
      totalRequests: row.total_requests,
      attempts: row.attempts,
      ...(row.first_attempt_at !== null ? { firstAttemptAt: row.first_attempt_at } : {}),
      failed,
      last: JSON.parse(row.last_response) as QueuedEvent['last'],
    };
    const { outcome, deadLetter } = finalOf(event, now);
    if (deadLetter) outcome.deadLetterId = this.deadLetters.addNow(deadLetter);
    return outcome;
  }
}

/**
 * State files written before the lane index was kept in memory: the ready time of each waiting head moves onto
 * its request row, and the lanes table and the (lane, id) index go (they would only slow every write).
 */
function migrateLanes(db: StateDb): void {
  const columns = db.pragma('table_info(outbox_requests)') as Array<{ name: string }>;
  if (!columns.some((column) => column.name === 'ready_at')) db.exec('ALTER TABLE outbox_requests ADD COLUMN ready_at INTEGER');
  const hasLanes = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox_lanes'").get() !== undefined;
  db.transaction(() => {
    if (hasLanes) {
      db.exec(`
        UPDATE outbox_requests SET ready_at = (SELECT ready_at FROM outbox_lanes WHERE outbox_lanes.lane = outbox_requests.lane)
          WHERE id IN (SELECT min(id) FROM outbox_requests GROUP BY lane);
        DROP TABLE outbox_lanes;
      `);
    }
    db.exec('DROP INDEX IF EXISTS outbox_requests_lane');
  })();
}

/**
 * State files whose requests table had a UNIQUE index on the key: the table is rebuilt without it (the queued keys
 * are kept in memory instead), in one transaction, ids and order kept.
 */
function migrateKeyIndex(db: StateDb): void {
  // The index a UNIQUE column makes has no SQL of its own.
  const unique = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox_requests' AND sql IS NULL").get() !== undefined;
  if (!unique) return;
  db.transaction(() => {
    db.exec(`
      CREATE TABLE outbox_requests_new ${REQUESTS_COLUMNS};
      INSERT INTO outbox_requests_new (id, event_id, lane, key, request, attempts, first_attempt_at, ready_at)
        SELECT id, event_id, lane, key, request, attempts, first_attempt_at, ready_at FROM outbox_requests;
      DROP TABLE outbox_requests;
      ALTER TABLE outbox_requests_new RENAME TO outbox_requests;
    `);
  })();
}
