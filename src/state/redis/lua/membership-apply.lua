-- MembershipStore.apply: a change set's merges.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] ttl ms, [3] JSON `{merges: [[key, [[groupId, assignedAt], ...]], ...]}`.
-- Returns 1.
local P = ARGV[1]
local ttl = tonumber(ARGV[2])
-- include: lib/membership.lua
local c = cjson.decode(ARGV[3])
for _, m in ipairs(c.merges) do mem_merge(m[1], m[2], ttl) end
return 1
