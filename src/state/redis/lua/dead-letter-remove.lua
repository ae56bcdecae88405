-- DeadLetterStore.remove.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] JSON list of ids.
-- Returns how many of the ids existed.
local P = ARGV[1]
-- include: lib/dead-letters.lua
return dl_remove(cjson.decode(ARGV[2]))
