#!lua
-- Rollup entries of the placement figures, each counted once (widget/placements/writer.py).
-- KEYS: every key the entries name (all of one shop: one Cluster slot)
-- ARGV: 1 JSON list of entries {"id", "applied": k, "minutes": k, "minute": ms,
--       "figures": k, "counts": {field: n},
--       "items": [[k, item, n, expire at s?]], "click"?: [k, at ms, member, drop before ms, expiry s]},
--       where k indexes KEYS and n is an integer string (exact beyond 2^53); `applied` is
--       the set of the ids counted from the entry's stream minute, listed in `minutes`
--       (tracker/applied.py); `click` goes to a visitor's clicks
-- Returns the number of entries applied (the others were counted before)

local applied = 0
for _, entry in ipairs(cjson.decode(ARGV[1])) do
  local counted = KEYS[entry.applied]
  if redis.call('SISMEMBER', counted, entry.id) == 0 then
    for field, n in pairs(entry.counts) do
      redis.call('HINCRBY', KEYS[entry.figures], field, n)
    end
    for _, item in ipairs(entry.items) do
      redis.call('HINCRBY', KEYS[item[1]], item[2], item[3])
      if item[4] then redis.call('EXPIREAT', KEYS[item[1]], item[4]) end
    end
    local click = entry.click
    if click then
      redis.call('ZADD', KEYS[click[1]], click[2], click[3])
      redis.call('ZREMRANGEBYSCORE', KEYS[click[1]], '-inf', '(' .. click[4])
      redis.call('EXPIRE', KEYS[click[1]], click[5])
    end
    redis.call('SADD', counted, entry.id)
    redis.call('ZADD', KEYS[entry.minutes], 'NX', entry.minute, entry.minute)
    applied = applied + 1
  end
end
return applied
