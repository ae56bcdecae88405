-- Outbox.stats.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix.
-- Returns `{queued events, queued requests, oldest enqueued time | false, dead letters}`.
local P = ARGV[1]
local oldest = redis.call('ZRANGE', P .. 'events', 0, 0)
local at = false
if oldest[1] then at = redis.call('HGET', P .. 'ev:' .. oldest[1], 'enq') end
return { redis.call('ZCARD', P .. 'events'), redis.call('GET', P .. 'nreq') or '0', at, redis.call('ZCARD', P .. 'dl') }
