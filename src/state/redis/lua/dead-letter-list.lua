-- DeadLetterStore.list: oldest first, paging on from a record returned earlier.
-- KEYS: none (numkeys 0): every key is built from the prefix in ARGV[1].
-- ARGV: [1] prefix, [2] afterId ('' for the start), [3] limit (-1: all).
-- Returns the records' JSON, in order.
local P = ARGV[1]
-- include: lib/dead-letters.lua
local min = '-inf'
if ARGV[2] ~= '' then
  local seq = redis.call('ZSCORE', P .. 'dl', ARGV[2])
  if seq then min = '(' .. seq end
end
local ids
if tonumber(ARGV[3]) >= 0 then ids = redis.call('ZRANGEBYSCORE', P .. 'dl', min, '+inf', 'LIMIT', 0, ARGV[3])
else ids = redis.call('ZRANGEBYSCORE', P .. 'dl', min, '+inf') end
local records = {}
for i, id in ipairs(ids) do records[i] = redis.call('HGET', P .. 'dl:rec', id) end
return records
