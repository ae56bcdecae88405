-- MembershipStore.assign: groups assigned to a user key at an event time.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] ttl ms, [3] user key, [4] JSON `[[groupId, assignedAt], ...]`.
-- Returns JSON: the groupIds the key did not have before.
local P = ARGV[1]
local ttl = tonumber(ARGV[2])
-- include: lib/membership.lua
return cjson.encode(mem_merge(ARGV[3], cjson.decode(ARGV[4]), ttl))
