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
import { defineScript, luaList, onRedis, type Script } from './connection.js';
import { deadLetterRecord, deadLettersLua, type RedisDeadLetterStore } from './dead-letters.js';
import { dedupeLua, type RedisDedupeStore } from './dedupe.js';
import { membershipLua, membershipPayload, type RedisMembershipStore } from './membership.js';

/**
 * Keys (all under the prefix P):
 *   ev:<id>      hash, one queued event (index, messageId, userKey, original JSON, total/open requests, attempts, last response)
 *   evf:<id>     list, the event's failed requests, `[reason, requestJson, key]` each
 *   events       zset, queued event ids (score = id: oldest first)
 *   rq:<id>      hash, one queued request (event id, lane, dedupe key, request JSON, attempts)
 *   keys         hash, dedupe key -> request id of every queued request
 *   ln:<lane>    list, the lane's request ids in order; its head is the only one claimable
 *   ready        zset, unleased non-empty lanes by ready time;  leased: zset, leased lanes by lease expiry
 *   owner        hash, lane -> the handle holding its lease
 *   finishing    zset, events whose last request failed, until their dead letter is written (see finish)
 *   seq, nreq    counters: ids, queued requests
 */
const outboxLua = `local P = ARGV[1]
${membershipLua}${dedupeLua}${deadLettersLua}
local function ev_final(eid)
  local flat = redis.call('HGETALL', P .. 'ev:' .. eid)
  if #flat == 0 then return nil end
  local e = {}
  for i = 1, #flat, 2 do e[flat[i]] = flat[i + 1] end
  e.id = eid
  e.failed = redis.call('LRANGE', P .. 'evf:' .. eid, 0, -1)
  return e
end
-- One of the event's requests is settled; when it was the last, the event is final. Without failures it
-- leaves now; with failures it waits in 'finishing' for its dead letter.
local function close_request(eid, now)
  if redis.call('HINCRBY', P .. 'ev:' .. eid, 'open', -1) > 0 then return nil end
  local e = ev_final(eid)
  if #e.failed == 0 then
    redis.call('DEL', P .. 'ev:' .. eid)
    redis.call('ZREM', P .. 'events', eid)
  else
    redis.call('ZADD', P .. 'finishing', now, eid)
  end
  return e
end
local function drop_request(rid, key)
  redis.call('DEL', P .. 'rq:' .. rid)
  redis.call('HDEL', P .. 'keys', key)
  redis.call('DECR', P .. 'nreq')
end
local function append(lane, rid, now)
  redis.call('RPUSH', P .. 'ln:' .. lane, rid)
  if not redis.call('ZSCORE', P .. 'leased', lane) then redis.call('ZADD', P .. 'ready', 'NX', now, lane) end
end
-- Drops the lane's unclaimed requests but the newest: it carries the group's latest traits.
local function supersede(lane, newest, now, dnow, cutoff, settled)
  local lk = P .. 'ln:' .. lane
  local lease = redis.call('ZSCORE', P .. 'leased', lane)
  local live = lease and tonumber(lease) > now
  local keep, dropped = {}, 0
  for i, rid in ipairs(redis.call('LRANGE', lk, 0, -1)) do
    if (i == 1 and live) or rid == newest then
      keep[#keep + 1] = rid
    else
      local r = redis.call('HMGET', P .. 'rq:' .. rid, 'ev', 'key')
      drop_request(rid, r[2])
      dd_mark(r[2], dnow, cutoff)
      dropped = dropped + 1
      local final = close_request(r[1], now)
      if final then settled[#settled + 1] = final end
    end
  end
  if dropped == 0 then return end
  redis.call('DEL', lk)
  for _, rid in ipairs(keep) do redis.call('RPUSH', lk, rid) end
  if not live then
    redis.call('ZREM', P .. 'leased', lane)
    redis.call('HDEL', P .. 'owner', lane)
    local at = redis.call('ZSCORE', P .. 'ready', lane)
    redis.call('ZADD', P .. 'ready', math.min(at and tonumber(at) or now, now), lane)
  end
end
`;

const commitLua = `${outboxLua}
local c = cjson.decode(ARGV[2])
local now = c.now
if c.max >= 0 then
  local queued = redis.call('ZCARD', P .. 'events')
  if queued > 0 and queued + #c.events > c.max then return cjson.encode({ full = queued }) end
end
for _, m in ipairs(c.merges) do mem_merge(m[1], m[2], c.ttl) end
for _, u in ipairs(c.upserts) do mem_upsert(u[1], u[2], c.ttl) end
local results, settled = {}, {}
for i, e in ipairs(c.events) do
  local eid, queued = nil, 0
  for _, r in ipairs(e.requests) do
    -- Delivered within the window, or already queued (the same event re-sent): not queued again.
    if not dd_has(r.key, c.cutoff) and redis.call('HEXISTS', P .. 'keys', r.key) == 0 then
      if not eid then
        eid = tostring(redis.call('INCR', P .. 'seq'))
        local ek = P .. 'ev:' .. eid
        redis.call('HSET', ek, 'idx', e.index, 'mid', e.messageId, 'ev', e.event, 'total', 0, 'open', 0, 'att', e.attempts, 'last', '{}', 'enq', now)
        if e.userKey then redis.call('HSET', ek, 'uk', e.userKey) end
        if e.firstAttemptAt then redis.call('HSET', ek, 'first', e.firstAttemptAt) end
        redis.call('ZADD', P .. 'events', eid, eid)
      end
      local rid = tostring(redis.call('INCR', P .. 'seq'))
      redis.call('HSET', P .. 'rq:' .. rid, 'ev', eid, 'lane', r.lane, 'key', r.key, 'req', r.request, 'att', 0)
      redis.call('HSET', P .. 'keys', r.key, rid)
      redis.call('INCR', P .. 'nreq')
      redis.call('HINCRBY', P .. 'ev:' .. eid, 'total', 1)
      redis.call('HINCRBY', P .. 'ev:' .. eid, 'open', 1)
      append(r.lane, rid, now)
      queued = queued + 1
      if r.supersedable then supersede(r.lane, rid, now, c.dnow, c.cutoff, settled) end
    end
  end
  results[i] = eid and { eid, queued } or 0
end
if c.requeued then dl_remove(c.requeued) end
return cjson.encode({ events = results, settled = settled })`;

// ARGV: prefix, now, limit, leaseMs, staleBefore, owner. Expired leases (dead owners) first become ready again.
const claimLua = `${outboxLua}
local now = tonumber(ARGV[2])
local expired = redis.call('ZRANGEBYSCORE', P .. 'leased', '-inf', now, 'WITHSCORES')
for i = 1, #expired, 2 do
  redis.call('ZREM', P .. 'leased', expired[i])
  redis.call('ZADD', P .. 'ready', expired[i + 1], expired[i])
end
local out = {}
for _, lane in ipairs(redis.call('ZRANGEBYSCORE', P .. 'ready', '-inf', now, 'LIMIT', 0, ARGV[3])) do
  redis.call('ZREM', P .. 'ready', lane)
  local rid = redis.call('LINDEX', P .. 'ln:' .. lane, 0)
  if rid then
    local r = redis.call('HMGET', P .. 'rq:' .. rid, 'ev', 'key', 'req', 'att', 'first')
    redis.call('ZADD', P .. 'leased', now + tonumber(ARGV[4]), lane)
    redis.call('HSET', P .. 'owner', lane, ARGV[6])
    out[#out + 1] = { rid, r[1], lane, r[2], r[3], r[4], r[5] }
  end
end
local stale = redis.call('ZRANGEBYSCORE', P .. 'finishing', '-inf', ARGV[5])
for _, eid in ipairs(stale) do redis.call('ZADD', P .. 'finishing', now, eid) end
return cjson.encode({ out, stale })`;

// ARGV: prefix, {now, dnow, cutoff, owner, list: [{lane, id, result, attempts, at, first, last, reason}]}: in order.
const settleLua = `${outboxLua}
local c = cjson.decode(ARGV[2])
local now = c.now
local function settle(s)
  local lk = P .. 'ln:' .. s.lane
  -- Superseded while on the wire (or settled by another owner after a lease expired): nothing to settle.
  if redis.call('LINDEX', lk, 0) ~= s.id then return nil end
  -- After its lease ran out another instance may hold the lane: only the holder releases it or schedules a retry.
  local mine = redis.call('HGET', P .. 'owner', s.lane) == c.owner
  if s.result == 'released' or s.result == 'retry' then
    if not mine then return nil end
    redis.call('HDEL', P .. 'owner', s.lane)
  end
  if s.result == 'released' then
    if redis.call('ZREM', P .. 'leased', s.lane) == 1 then redis.call('ZADD', P .. 'ready', now, s.lane) end
    return nil
  end
  local rk = P .. 'rq:' .. s.id
  local r = redis.call('HMGET', rk, 'ev', 'key', 'att', 'req')
  local ek = P .. 'ev:' .. r[1]
  redis.call('HINCRBY', ek, 'att', s.attempts - tonumber(r[3]))
  if s.result ~= 'delivered' then
    redis.call('HSETNX', ek, 'first', s.first)
    redis.call('HSET', ek, 'last', s.last)
  end
  redis.call('ZREM', P .. 'leased', s.lane)
  if s.result == 'retry' then
    redis.call('HSET', rk, 'att', s.attempts, 'first', s.first)
    redis.call('ZADD', P .. 'ready', s.at, s.lane)
    return nil
  end
  if s.result == 'delivered' then dd_mark(r[2], c.dnow, c.cutoff)
  else redis.call('RPUSH', P .. 'evf:' .. r[1], cjson.encode({ s.reason, r[4], r[2] })) end
  redis.call('LPOP', lk)
  if mine then redis.call('HDEL', P .. 'owner', s.lane) end
  drop_request(s.id, r[2])
  if redis.call('LLEN', lk) > 0 then redis.call('ZADD', P .. 'ready', now, s.lane) else redis.call('ZREM', P .. 'ready', s.lane) end
  return close_request(r[1], now)
end
local finals = {}
for _, s in ipairs(c.list) do
  local final = settle(s)
  if final then finals[#finals + 1] = final end
end
return cjson.encode(finals)`;

// ARGV: prefix, event id, dead letter id, record. The event leaves and its dead letter arrives in one step.
const finishLua = `${outboxLua}
if redis.call('ZREM', P .. 'finishing', ARGV[2]) == 0 then return 0 end
redis.call('DEL', P .. 'ev:' .. ARGV[2], P .. 'evf:' .. ARGV[2])
redis.call('ZREM', P .. 'events', ARGV[2])
dl_add(ARGV[3], ARGV[4])
return 1`;

const loadLua = `${outboxLua}
local e = ev_final(ARGV[2])
return e and cjson.encode(e) or false`;

const statsLua = `local P = ARGV[1]
local oldest = redis.call('ZRANGE', P .. 'events', 0, 0)
local at = false
if oldest[1] then at = redis.call('HGET', P .. 'ev:' .. oldest[1], 'enq') end
return { redis.call('ZCARD', P .. 'events'), redis.call('GET', P .. 'nreq') or '0', at, redis.call('ZCARD', P .. 'dl') }`;

// ARGV: prefix, now. Leased lanes are not in 'ready': only lanes waiting on a backoff move.
const releaseLua = `local P = ARGV[1]
local lanes = redis.call('ZRANGEBYSCORE', P .. 'ready', '(' .. ARGV[2], '+inf')
for _, lane in ipairs(lanes) do redis.call('ZADD', P .. 'ready', ARGV[2], lane) end
return #lanes`;

const nextLua = `local first = redis.call('ZRANGE', ARGV[1] .. 'ready', 0, 0, 'WITHSCORES')
return first[2] or false`;

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
 * The outbox in Redis, shared by every instance (DESIGN.md section 7). Each method is one Lua script, so a
 * commit (membership merges, fingerprints, enqueue, bound check) and a settle are atomic across instances;
 * leases expire, so a dead instance's lane heads are claimed again by the others once `leaseMs` has passed.
 * An event that ends with failures takes two steps: the settle marks it finishing, then its dead letter (built
 * here, by the same rules as every backend) is written and the event removed in one script; if the instance
 * dies in between, any instance's claim finishes it after `leaseMs`.
 */
export class RedisOutbox implements Outbox {
  private readonly scripts: Record<'commit' | 'claim' | 'settle' | 'finish' | 'load' | 'stats' | 'next' | 'release', Script>;
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
    const lua = { commit: commitLua, claim: claimLua, settle: settleLua, finish: finishLua, load: loadLua, stats: statsLua, next: nextLua, release: releaseLua };
    this.scripts = Object.fromEntries(Object.entries(lua).map(([name, code]) => [name, defineScript(client, `opdOutbox_${name}`, code)])) as RedisOutbox['scripts'];
  }

  commit(changes: ChangeSet, maxQueuedEvents = Infinity): Promise<CommitResult> {
    return this.commitEvents(changes, maxQueuedEvents, []);
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
    await this.commitEvents({ membership: { merges: [], upserts: [] }, events: records.map(eventOfDeadLetter), now }, Infinity, records.map((r) => r.id));
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
      ...(requeued.length > 0 ? { requeued } : {}),
    };
    const reply = JSON.parse(String(await this.run('commit', JSON.stringify(payload)))) as
      | { full: number }
      | { events: Array<[string, number] | 0> | Record<string, never>; settled: LuaEvent[] | Record<string, never> };
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

/** An event in the form the commit script reads: the original event and requests as JSON text, stored as they are. */
function eventPayload(event: NewOutboxEvent) {
  return {
    index: event.index,
    messageId: event.messageId,
    ...(event.userKey !== undefined ? { userKey: event.userKey } : {}),
    event: JSON.stringify(event.event) ?? 'null',
    attempts: event.history?.attempts ?? 0,
    ...(event.history ? { firstAttemptAt: event.history.firstAttemptAt } : {}),
    requests: event.requests.map((r) => ({ key: r.key, lane: r.lane, request: JSON.stringify(r.request), supersedable: r.supersedable === true })),
  };
}
