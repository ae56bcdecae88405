-- Outbox.taken: the keys a commit would drop (delivered within the window, or queued).
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] cutoff, [3] JSON list of request keys.
-- Returns the taken keys.
local P = ARGV[1]
-- include: lib/dedupe.lua
local cutoff = tonumber(ARGV[2])
local out = {}
for _, key in ipairs(cjson.decode(ARGV[3])) do
  if dd_has(key, cutoff) or redis.call('HEXISTS', P .. 'keys', key) == 1 then out[#out + 1] = key end
end
return out
