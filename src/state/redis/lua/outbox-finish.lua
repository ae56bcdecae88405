-- The event leaves and its dead letter arrives in one step.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] event id, [3] dead letter id, [4] record JSON.
-- Returns 1, or 0 when another instance finished it first.
local P = ARGV[1]
-- include: lib/outbox.lua
if redis.call('ZREM', P .. 'finishing', ARGV[2]) == 0 then return 0 end
redis.call('DEL', P .. 'ev:' .. ARGV[2], P .. 'evf:' .. ARGV[2])
redis.call('ZREM', P .. 'events', ARGV[2])
dl_add(ARGV[3], ARGV[4])
return 1
