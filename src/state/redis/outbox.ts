import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { zLastResponse } from '../../delivery/dead-letters.js';
import { finalOf, type FailedRequest, type QueuedEvent } from '../../delivery/event-final.js';
import { eventOfDeadLetter } from '../../delivery/lanes.js';
import {
  QueueFullError,
  readStoredRequest,
  type ChangeSet,
  type CommitResult,
  type FinalOutcome,
  type NewOutboxEvent,
  type Outbox,
  type OutboxEntry,
  type OutboxStats,
  type Settlement,
} from '../../delivery/outbox.js';
import type { OpenPanelRequest } from '../../openpanel/contract.js';
import { groupPatch } from '../../openpanel/group-properties.js';
import { defineScript, luaList, onRedis, type Script } from './connection.js';
import { deadLetterRecord, type RedisDeadLetterStore } from './dead-letters.js';
import type { RedisDedupeStore } from './dedupe.js';
import { membershipPayload, type RedisMembershipStore } from './membership.js';
import { luaScript } from './scripts.js';

/** The outbox's scripts, read at start: lua/outbox-<name>.lua (keys in lua/lib/outbox.lua, KEYS/ARGV atop each). */
const outboxScripts = ['commit', 'claim', 'settle', 'finish', 'load', 'stats', 'next', 'release', 'taken'] as const;
const outboxLua = Object.fromEntries(outboxScripts.map((name) => [name, luaScript(`outbox-${name}`)])) as Record<(typeof outboxScripts)[number], string>;

/** A final event as the scripts return it (hash fields as strings). */
interface LuaEvent {
  id: string;
  idx: string;
  mid: string;
  uk?: string;
  ev: string;
  total: string;
  att: string;
  first?: string;
  last: string;
  failed: string[] | Record<string, never>;
}

function queuedEventOf(e: LuaEvent): QueuedEvent {
  return {
    id: String(e.id),
    index: Number(e.idx),
    messageId: e.mid,
    ...(e.uk !== undefined ? { userKey: e.uk } : {}),
    event: JSON.parse(e.ev) as unknown,
    totalRequests: Number(e.total),
    attempts: Number(e.att),
    ...(e.first !== undefined ? { firstAttemptAt: Number(e.first) } : {}),
    failed: luaList(e.failed).map((entry): FailedRequest => {
      const [reason, request, key] = JSON.parse(entry) as [string, string, string];
      return { reason, key, request: JSON.parse(request) as OpenPanelRequest };
    }),
    last: JSON.parse(e.last) as QueuedEvent['last'],
  };
}

export interface RedisOutboxOptions {
  /** The longest an idle worker sleeps (Outbox.pollMs); default 1 s. */
  pollMs?: number;
}

/**
 * The outbox in Redis, shared by every instance (docs/state-backends.md "Redis"). Each method is one Lua script, so a
 * commit (membership merges, group states, enqueue, bound check) and a settle are atomic across instances;
 * leases expire, so a dead instance's lane heads are claimed again by the others once `leaseMs` has passed.
 * An event that ends with failures takes two steps: the settle marks it finishing, then its dead letter (built
 * here, by the same rules as every backend) is written and the event removed in one script; if the instance
 * dies in between, any instance's claim finishes it after `leaseMs`.
 */
export class RedisOutbox implements Outbox {
  private readonly scripts: Record<(typeof outboxScripts)[number], Script>;
  readonly pollMs: number;
  /** Names this handle's leases, so a late settle after its lease ran out leaves the new holder's lease alone. */
  private readonly owner = randomUUID();

  constructor(
    client: Redis,
    private readonly prefix: string,
    private readonly membership: RedisMembershipStore,
    private readonly dedupe: RedisDedupeStore,
    private readonly deadLetters: RedisDeadLetterStore,
    private readonly where: string,
    options: RedisOutboxOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1_000;
    this.scripts = Object.fromEntries(
      outboxScripts.map((name) => [name, defineScript(client, `opdOutbox_${name}`, outboxLua[name])]),
    ) as RedisOutbox['scripts'];
  }

  commit(changes: ChangeSet, maxQueuedEvents = Infinity): Promise<CommitResult> {
    return this.commitEvents(changes, maxQueuedEvents, []);
  }

  async taken(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    return new Set((await this.run('taken', this.dedupe.cutoff(), JSON.stringify(keys))) as string[]);
  }

  async claim(limit: number, now: number, leaseMs: number): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const reply = await this.run('claim', now, limit, leaseMs, now - leaseMs, this.owner);
    type Row = [string, string, string, string, string, string, string | false];
    const [rows, stale] = JSON.parse(String(reply)) as [Row[] | Record<string, never>, string[] | Record<string, never>];
    // Outcomes of events whose finisher died go nowhere: their dead letters are what matters.
    for (const eventId of luaList(stale)) {
      const event = await this.run('load', eventId);
      if (event !== null) await this.finalize([JSON.parse(String(event)) as LuaEvent], now);
    }
    return luaList(rows).map(([id, eventId, lane, key, request, attempts, first]) => ({
      id,
      eventId,
      lane,
      key,
      ...readStoredRequest(request),
      attempts: Number(attempts),
      ...(first !== false ? { firstAttemptAt: Number(first) } : {}),
    }));
  }

  async settle(settlements: ReadonlyArray<{ entry: OutboxEntry; settlement: Settlement }>, now: number): Promise<FinalOutcome[]> {
    if (settlements.length === 0) return [];
    const list = settlements.map(({ entry, settlement }) => ({
      lane: entry.lane,
      id: entry.id,
      ...settlement,
      ...('last' in settlement ? { first: settlement.firstAttemptAt, last: JSON.stringify(zLastResponse.parse(settlement.last)) } : {}),
    }));
    const payload = { now, dnow: this.dedupe.now(), cutoff: this.dedupe.cutoff(), owner: this.owner, list };
    const finals = JSON.parse(String(await this.run('settle', JSON.stringify(payload)))) as LuaEvent[] | Record<string, never>;
    await this.dedupe.noteMarks(settlements.filter(({ settlement }) => settlement.result === 'delivered').length);
    return this.finalize(luaList(finals), now);
  }

  async nextReadyAt(): Promise<number | undefined> {
    const next = await this.run('next');
    return next === null ? undefined : Number(next);
  }

  async releaseBackoffs(now: number): Promise<number> {
    return Number(await this.run('release', now));
  }

  async requeueDeadLetters(limit: number, now: number): Promise<number> {
    const records = await this.deadLetters.list({ limit });
    if (records.length === 0) return 0;
    await this.commitEvents(
      { membership: { merges: [] }, events: records.map(eventOfDeadLetter), now },
      Infinity,
      records.map((r) => r.id),
    );
    return records.length;
  }

  async stats(): Promise<OutboxStats> {
    const [queuedEvents, queuedRequests, oldest, deadLetters] = (await this.run('stats')) as [number, string, string | null, number];
    return {
      queuedEvents,
      queuedRequests: Number(queuedRequests),
      ...(oldest !== null ? { oldestQueuedAt: Number(oldest) } : {}),
      deadLetters,
    };
  }

  async close(): Promise<void> {}

  /** Commits events, removing the dead letters they were requeued from in the same script. */
  private async commitEvents(changes: ChangeSet, maxQueuedEvents: number, requeued: string[]): Promise<CommitResult> {
    const payload = {
      now: changes.now,
      dnow: this.dedupe.now(),
      cutoff: this.dedupe.cutoff(),
      max: Number.isFinite(maxQueuedEvents) ? maxQueuedEvents : -1,
      ttl: this.membership.ttl,
      ...membershipPayload(changes.membership),
      events: changes.events.map(eventPayload),
      seen: changes.seen ?? [],
      ...(requeued.length > 0 ? { requeued } : {}),
    };
    const reply = JSON.parse(String(await this.run('commit', JSON.stringify(payload)))) as
      { full: number } | { events: Array<[string, number] | 0> | Record<string, never>; settled: LuaEvent[] | Record<string, never> };
    if ('full' in reply) throw new QueueFullError(reply.full, maxQueuedEvents);
    return {
      events: luaList(reply.events).map((entry) => (entry === 0 ? { duplicate: true as const } : { eventId: entry[0], queuedRequests: entry[1] })),
      settled: await this.finalize(luaList(reply.settled), changes.now),
    };
  }

  /** Final outcomes of events the scripts closed; a failed one's dead letter is written as it leaves. */
  private async finalize(events: LuaEvent[], now: number): Promise<FinalOutcome[]> {
    const outcomes: FinalOutcome[] = [];
    for (const event of events) {
      const { outcome, deadLetter } = finalOf(queuedEventOf(event), now);
      if (deadLetter) {
        const id = randomUUID();
        if (Number(await this.run('finish', outcome.eventId, id, deadLetterRecord(id, deadLetter))) === 1) outcome.deadLetterId = id;
      }
      outcomes.push(outcome);
    }
    return outcomes;
  }

  private run(script: keyof RedisOutbox['scripts'], ...args: Array<string | number>): Promise<unknown> {
    return onRedis(this.where, () => this.scripts[script](this.prefix, ...args));
  }
}

/**
 * An event in the form the commit script reads: the original event and requests as JSON text, stored as they
 * are; a group upsert also as its properties' patch, for the script to fold into the group and merge when superseding.
 */
function eventPayload(event: NewOutboxEvent) {
  return {
    index: event.index,
    messageId: event.messageId,
    ...(event.userKey !== undefined ? { userKey: event.userKey } : {}),
    event: event.json ?? JSON.stringify(event.event) ?? 'null',
    attempts: event.history?.attempts ?? 0,
    ...(event.history ? { firstAttemptAt: event.history.firstAttemptAt } : {}),
    requests: event.requests.map((r) => ({
      key: r.key,
      lane: r.lane,
      request: JSON.stringify(r.request),
      supersedable: r.supersedable === true,
      ...(r.request.body.type === 'group' ? { patch: JSON.stringify(groupPatch(r.request.body.payload.properties)), replayed: event.replayed === true } : {}),
    })),
  };
}
