-- MembershipStore.upsertGroup: a group upsert folded into the group's state.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] ttl ms, [3] groupId, [4] name, [5] type, [6] properties patch JSON, [7] now.
-- Returns JSON: the group's state after the upsert.
local P = ARGV[1]
local ttl = tonumber(ARGV[2])
-- include: lib/membership.lua
return cjson.encode(grp_apply(ARGV[3], ARGV[4], ARGV[5], cjson.decode(ARGV[6]), tonumber(ARGV[7]), ttl))
