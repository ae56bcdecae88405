-- DedupeStore.markDelivered.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] request key, [3] delivery time, [4] cutoff (keys delivered at or before it expire).
-- Returns 1.
local P = ARGV[1]
-- include: lib/dedupe.lua
dd_mark(ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
return 1
