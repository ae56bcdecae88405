-- The outbox's shared functions (docs/outbox.md), included by every outbox script after `local P = ARGV[1]`.
-- Keys (all under the prefix P):
--   ev:<id>      hash, one queued event (index, messageId, userKey, original JSON, total/open requests, attempts, last response)
--   evf:<id>     list, the event's failed requests, `[reason, requestJson, key]` each
--   events       zset, queued event ids (score = id: oldest first)
--   rq:<id>      hash, one queued request (event id, lane, dedupe key, request JSON, attempts)
--   keys         hash, dedupe key -> request id of every queued request
--   ln:<lane>    list, the lane's request ids in order; its head is the only one claimable
--   ready        zset, unleased non-empty lanes by ready time;  leased: zset, leased lanes by lease expiry
--   owner        hash, lane -> the handle holding its lease
--   finishing    zset, events whose last request failed, until their dead letter is written (see outbox-finish.lua)
--   seq, nreq    counters: ids, queued requests
-- include: lib/membership.lua
-- include: lib/dedupe.lua
-- include: lib/dead-letters.lua
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
-- Drops the lane's unclaimed requests but the newest, which takes their properties under its own (patches
-- overlaid oldest first: openpanel/group-properties.ts' mergePatches; delivery/supersede.ts for the others).
local function supersede(lane, newest, now, dnow, cutoff, settled)
  local lk = P .. 'ln:' .. lane
  local lease = redis.call('ZSCORE', P .. 'leased', lane)
  local live = lease and tonumber(lease) > now
  local keep, dropped, merged = {}, 0, {}
  for i, rid in ipairs(redis.call('LRANGE', lk, 0, -1)) do
    if (i == 1 and live) or rid == newest then
      keep[#keep + 1] = rid
    else
      local r = redis.call('HMGET', P .. 'rq:' .. rid, 'ev', 'key', 'patch')
      if r[3] then for k, v in pairs(cjson.decode(r[3])) do merged[k] = v end end
      drop_request(rid, r[2])
      dd_mark(r[2], dnow, cutoff)
      dropped = dropped + 1
      local final = close_request(r[1], now)
      if final then settled[#settled + 1] = final end
    end
  end
  if dropped == 0 then return end
  local nk = P .. 'rq:' .. newest
  local n = redis.call('HMGET', nk, 'req', 'patch')
  for k, v in pairs(cjson.decode(n[2])) do merged[k] = v end
  local req = cjson.decode(n[1])
  req.body.payload.properties = merged
  redis.call('HSET', nk, 'req', cjson.encode(req), 'patch', cjson.encode(merged))
  redis.call('DEL', lk)
  for _, rid in ipairs(keep) do redis.call('RPUSH', lk, rid) end
  if not live then
    redis.call('ZREM', P .. 'leased', lane)
    redis.call('HDEL', P .. 'owner', lane)
    local at = redis.call('ZSCORE', P .. 'ready', lane)
    redis.call('ZADD', P .. 'ready', math.min(at and tonumber(at) or now, now), lane)
  end
end
-- A group upsert committed: a replayed one first brought up to the group's current state (group-state.ts'
-- replayedUpsert), then folded into that state. Returns the request and patch as they are to be stored.
local function grp_commit(r, now, ttl)
  local req = cjson.decode(r.request)
  local p = req.body.payload
  local patch = cjson.decode(r.patch)
  if r.replayed then
    local cur = grp_get(p.id)
    if cur then
      p.name, p.type = cur.name, cur.type
      local fresh = {}
      for k in pairs(patch) do fresh[k] = cur.properties[k] or cjson.null end
      patch = fresh
      p.properties = fresh
      r.request = cjson.encode(req)
    end
  end
  grp_apply(p.id, p.name, p.type, patch, now, ttl)
  return r.request, cjson.encode(patch)
end
