#!lua
-- Appends a batch of events to a shop's stream atomically: authentication by site key,
-- origin check, rate limits (GCRA), de-duplication by event id, dead letters.
-- The accepted events of a batch become ONE stream entry {n, events (JSON lines)}:
-- the cost of a call then stays flat whatever the batch size.
-- KEYS: 1 shop record, 2 origins, 3 event stream, 4 dead-letter stream,
--       5 site rate, 6 client rate, 7 seen ids of this time bucket (set of id digests),
--       8 refused origins of this hour (hash origin -> count, for the integration check),
--       9.. seen ids of the other buckets of the de-duplication window (tracker/dedup.py)
-- ARGV: 1 site key, 2 origin ('' when none), 3 dead-letter retention ms,
--       4 when this bucket expires (unix ms), 5 site rate /s, 6 client rate /s, 7 burst s,
--       8 the event ids' digests, 12 bytes each, 9 their payloads separated by newlines,
--       10 dead-letter payloads separated by newlines, 11 their count,
--       12 share of a client's rate while the site is past its burst, 13 site ceiling
-- Returns {0, accepted, duplicates} | {1} unknown site key | {2} origin | {3, wait ms}

if redis.call('HGET', KEYS[1], 'site_key') ~= ARGV[1] then return {1} end
if ARGV[2] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then
  redis.call('HINCRBY', KEYS[8], ARGV[2], 1)
  redis.call('EXPIRE', KEYS[8], 7200)
  return {2}
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local burst = tonumber(ARGV[7]) * 1000

-- GCRA: the theoretical arrival time may run at most `burst` ms ahead of now.
local function next_arrival(key, rate)
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  return tat + 1000 / rate
end
-- Past the site's burst, a client pays 1 / share more (it may send share times its rate),
-- so that the clients sending the most are refused first and light ones still get
-- through; past ceiling times the burst, the store is protected from everyone.
local site_tat = next_arrival(KEYS[5], tonumber(ARGV[5]))
local client_rate = tonumber(ARGV[6])
if site_tat - now > burst then
  local over_ceiling = site_tat - now - burst * tonumber(ARGV[13])
  if over_ceiling > 0 then return {3, math.ceil(over_ceiling)} end
  client_rate = client_rate * tonumber(ARGV[12])
end
local client_tat = next_arrival(KEYS[6], client_rate)
local wait = client_tat - now - burst
if wait > 0 then return {3, math.ceil(wait)} end
redis.call('SET', KEYS[5], string.format('%.3f', site_tat), 'PX',
           math.ceil(burst * tonumber(ARGV[13]) + 1000))
redis.call('SET', KEYS[6], string.format('%.3f', client_tat), 'PX', math.ceil(burst + 1000))

local min_id = string.format('%d', now - tonumber(ARGV[3]))
local accepted, duplicates = 0, 0
if ARGV[8] ~= '' then
  local ids = {}
  for i = 1, #ARGV[8], 12 do ids[#ids + 1] = string.sub(ARGV[8], i, i + 11) end
  local seen = {}
  for k = 7, #KEYS do
    if k ~= 8 then
      for i, found in ipairs(redis.call('SMISMEMBER', KEYS[k], unpack(ids))) do
        if found == 1 then seen[i] = true end
      end
    end
  end
  local kept, fresh, in_batch = {}, {}, {}
  local position, payloads = 1, ARGV[9]
  for i, event_id in ipairs(ids) do
    local stop = string.find(payloads, '\n', position, true) or (#payloads + 1)
    if seen[i] or in_batch[event_id] then
      duplicates = duplicates + 1
    else
      in_batch[event_id] = true
      kept[#kept + 1] = string.sub(payloads, position, stop - 1)
      fresh[#fresh + 1] = event_id
    end
    position = stop + 1
  end
  accepted = #kept
  if accepted > 0 then
    redis.call('SADD', KEYS[7], unpack(fresh))
    redis.call('PEXPIREAT', KEYS[7], ARGV[4])
    -- The event stream is trimmed once archived (bound.lua), never here.
    redis.call('XADD', KEYS[3], '*', 'n', accepted, 'events', table.concat(kept, '\n'))
  end
end
if ARGV[10] ~= '' then
  redis.call('XADD', KEYS[4], 'MINID', '~', min_id, '*', 'n', ARGV[11], 'events', ARGV[10])
end
return {0, accepted, duplicates}
