#!lua
-- One rollup entry of the placement figures, counted once (widget/placement_rollup.py).
-- KEYS: 1 applied entry ids of the period, 2 the period's figures,
--       3.. the item hashes the entry adds to (all of one shop: one Cluster slot)
-- ARGV: 1 entry id, 2 JSON {"figures": {field: increment}, "items": [[key, item, increment]]}
--       where `key` indexes KEYS and increments are integer strings (exact beyond 2^53)
-- Returns 1 applied | 0 already applied

if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
local entry = cjson.decode(ARGV[2])
for field, increment in pairs(entry.figures) do
  redis.call('HINCRBY', KEYS[2], field, increment)
end
for _, item in ipairs(entry.items) do
  redis.call('HINCRBY', KEYS[item[1]], item[2], item[3])
end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
