#!lua
-- Keeps one stream bounded without dropping what any consumer group still needs.
-- 1. Removes consumers idle for more than ARGV[2] ms that hold no pending entry: what a
--    dead consumer held has been claimed by a live one (a live consumer removed by
--    mistake is only re-created by its next read).
-- 2. Trims entries older than the hot window (ARGV[1] ms) that every group has
--    acknowledged: below each group's oldest pending entry and its last delivered one.
--    Nothing is trimmed unless every group named in ARGV[3..] exists (the archive's).
-- KEYS: 1 stream.  Returns {entries trimmed, consumers removed}

if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end

local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function fields(flat)
  local record = {}
  for i = 1, #flat, 2 do record[flat[i]] = flat[i + 1] end
  return record
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local cut_ms, cut_seq = math.max(0, now - tonumber(ARGV[1])), 0
local removed, present = 0, {}
for _, flat in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local group = fields(flat)
  present[group['name']] = true
  for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], group['name'])) do
    local c = fields(consumer)
    if tonumber(c['pending']) == 0 and tonumber(c['idle']) > tonumber(ARGV[2]) then
      redis.call('XGROUP', 'DELCONSUMER', KEYS[1], group['name'], c['name'])
      removed = removed + 1
    end
  end
  local keep_ms, keep_seq
  if tonumber(group['pending']) > 0 then
    keep_ms, keep_seq = parse(redis.call('XPENDING', KEYS[1], group['name'])[2])
  else
    keep_ms, keep_seq = parse(group['last-delivered-id'])
    keep_seq = keep_seq + 1
  end
  if keep_ms < cut_ms or (keep_ms == cut_ms and keep_seq < cut_seq) then
    cut_ms, cut_seq = keep_ms, keep_seq
  end
end
for i = 3, #ARGV do
  if not present[ARGV[i]] then return {0, removed} end
end
local trimmed = redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d-%d', cut_ms, cut_seq))
return {trimmed, removed}
