-- Outbox.claim: the heads of ready lanes, leased to `owner`; expired leases (dead owners) first become ready again.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] now, [3] limit, [4] leaseMs, [5] staleBefore, [6] owner.
-- Returns JSON `[entries, stale finishing event ids]`.
local P = ARGV[1]
-- include: lib/outbox.lua
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
return cjson.encode({ out, stale })
