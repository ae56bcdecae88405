-- Membership and group states, shared by the membership scripts and the outbox's commit (docs/state-backends.md).
-- Needs `P` (the key prefix) defined by the including script.
-- Keys: P..'mem:'..<user key>  one string, `[[groupId, assignedAt], ...]` (the SQLite column's format), expiring
--       `ttl` ms after its last write; P..'grp:'..<groupId>  one JSON group state (membership/group-state.ts).
-- mem_merge is membership/rules.ts' mergeAssignments, step for step: inside a script the read-merge-write of one
-- key is atomic, so two instances merging into one user both keep their groups. grp_apply is group-state.ts'
-- withUpsert, taking the upsert's properties as a patch (openpanel/group-properties.ts): a value sets its key,
-- a null removes it.
local function mem_merge(key, incoming, ttl)
  local k = P .. 'mem:' .. key
  local raw = redis.call('GET', k)
  local cur = raw and cjson.decode(raw) or {}
  local added = {}
  for _, nx in ipairs(incoming) do
    local held
    for i, a in ipairs(cur) do if a[1] == nx[1] then held = i break end end
    local place = true
    if not held then added[#added + 1] = nx[1]
    elseif cur[held][2] <= nx[2] then place = false
    else table.remove(cur, held) end
    if place then
      local at = #cur + 1
      for i, a in ipairs(cur) do if a[2] > nx[2] then at = i break end end
      table.insert(cur, at, { nx[1], nx[2] })
    end
  end
  if #cur > 0 then redis.call('SET', k, cjson.encode(cur), 'PX', ttl) end
  return added
end
local function grp_get(groupId)
  local raw = redis.call('GET', P .. 'grp:' .. groupId)
  return raw and cjson.decode(raw) or nil
end
local function grp_apply(groupId, name, gtype, patch, now, ttl)
  local k = P .. 'grp:' .. groupId
  local cur = grp_get(groupId)
  local props = cur and cur.properties or {}
  local changed = not cur or cur.name ~= name or cur.type ~= gtype
  for key, v in pairs(patch) do
    if v == cjson.null then
      if props[key] ~= nil then props[key] = nil changed = true end
    elseif props[key] ~= v then props[key] = v changed = true end
  end
  if changed then
    cur = { groupId = groupId, name = name, type = gtype, properties = props, updatedAt = now }
    redis.call('SET', k, cjson.encode(cur), 'PX', ttl)
  else
    redis.call('PEXPIRE', k, ttl)
  end
  return cur
end
