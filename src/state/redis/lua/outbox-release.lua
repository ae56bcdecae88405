-- Outbox.releaseBackoffs: lanes waiting on a backoff become ready now (leased lanes are not in 'ready').
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] now.
-- Returns how many lanes moved.
local P = ARGV[1]
local lanes = redis.call('ZRANGEBYSCORE', P .. 'ready', '(' .. ARGV[2], '+inf')
for _, lane in ipairs(lanes) do redis.call('ZADD', P .. 'ready', ARGV[2], lane) end
return #lanes
