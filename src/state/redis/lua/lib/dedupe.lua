-- Delivered request keys, shared by the dedupe and outbox scripts (docs/state-backends.md). Needs `P`.
-- Key: P..'delivered'  sorted set, request key -> delivery time. A key counts while its time is after `cutoff`
-- (now - dedupeTtlHours); every mark trims what has expired, oldest first, so the set follows the window and
-- never drops a young key.
local function dd_has(key, cutoff)
  local at = redis.call('ZSCORE', P .. 'delivered', key)
  return at and tonumber(at) > cutoff
end
local function dd_mark(key, at, cutoff)
  redis.call('ZADD', P .. 'delivered', at, key)
  redis.call('ZREMRANGEBYSCORE', P .. 'delivered', '-inf', cutoff)
end
