-- Outbox.settle: attempts' results, in order; a final event is returned (with failures it waits in 'finishing').
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] JSON `{now, dnow, cutoff, owner, list: [{lane, id, result, attempts, at, first, last, reason}]}`.
-- Returns JSON: the events that became final.
local P = ARGV[1]
-- include: lib/outbox.lua
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
return cjson.encode(finals)
