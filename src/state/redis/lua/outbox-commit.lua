-- Outbox.commit: membership merges, group states, request keys seen, new events and their requests, the queue
-- bound and requeued dead letters, all at once.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] JSON `{now, dnow, cutoff, ttl, max, merges, seen, events: [{index, messageId, userKey,
--       event, attempts, firstAttemptAt, requests: [{lane, key, request, patch?, replayed?, supersedable?}]}], requeued?}`.
-- Returns JSON `{full = queued}` when over the bound (nothing written), else `{events = [[eventId, queued] | 0],
-- settled = [final events]}`.
local P = ARGV[1]
-- include: lib/outbox.lua
local c = cjson.decode(ARGV[2])
local now = c.now
if c.max >= 0 then
  local queued = redis.call('ZCARD', P .. 'events')
  if queued > 0 and queued + #c.events > c.max then return cjson.encode({ full = queued }) end
end
for _, m in ipairs(c.merges) do mem_merge(m[1], m[2], c.ttl) end
for _, key in ipairs(c.seen) do dd_mark(key, c.dnow, c.cutoff) end
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
      if r.patch then
        local req, patch = grp_commit(r, now, c.ttl)
        redis.call('HSET', P .. 'rq:' .. rid, 'req', req, 'patch', patch)
      end
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
return cjson.encode({ events = results, settled = settled })
