-- One queued event as a final outcome is built from.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] event id.
-- Returns the event's JSON, or false.
local P = ARGV[1]
-- include: lib/outbox.lua
local e = ev_final(ARGV[2])
return e and cjson.encode(e) or false
