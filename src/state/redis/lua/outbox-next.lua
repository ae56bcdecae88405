-- Outbox.nextReadyAt: the earliest ready time of an unleased lane.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix.
-- Returns the time, or false.
local first = redis.call('ZRANGE', ARGV[1] .. 'ready', 0, 0, 'WITHSCORES')
return first[2] or false
