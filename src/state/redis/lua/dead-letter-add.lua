-- DeadLetterStore.add.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] id, [3] record JSON.
-- Returns 1.
local P = ARGV[1]
-- include: lib/dead-letters.lua
dl_add(ARGV[2], ARGV[3])
return 1
