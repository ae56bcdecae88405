-- MembershipStore.link: one key's assignments merged into another's (anonymous id -> user id).
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] ttl ms, [3] key linked from, [4] key linked into.
-- Returns JSON: the groupIds the target key did not have before.
local P = ARGV[1]
local ttl = tonumber(ARGV[2])
-- include: lib/membership.lua
local raw = redis.call('GET', P .. 'mem:' .. ARGV[3])
if not raw then return '[]' end
return cjson.encode(mem_merge(ARGV[4], cjson.decode(raw), ttl))
