-- Dead letters, shared by the dead-letter and outbox scripts (docs/state-backends.md). Needs `P`.
-- Keys: P..'dl:rec'  hash, id -> record JSON (with its id); P..'dl'  sorted set of ids scored by the counter
-- P..'dl:seq', so a list is oldest first and pages on from any id.
local function dl_add(id, record)
  local seq = redis.call('INCR', P .. 'dl:seq')
  redis.call('ZADD', P .. 'dl', seq, id)
  redis.call('HSET', P .. 'dl:rec', id, record)
end
local function dl_remove(ids)
  local n = 0
  for _, id in ipairs(ids) do
    if redis.call('ZREM', P .. 'dl', id) == 1 then
      redis.call('HDEL', P .. 'dl:rec', id)
      n = n + 1
    end
  end
  return n
end
