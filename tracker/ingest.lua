#!lua
-- Appends a batch of events to a shop's stream atomically: authentication by site key,
-- origin check, rate limits (GCRA), de-duplication by event id, dead letters.
-- KEYS: 1 shop record, 2 origins, 3 event stream, 4 dead-letter stream,
--       5 site rate, 6 client rate, 7.. seen-id sets (today's first)
-- ARGV: 1 site key, 2 origin ('' when none), 3 retention ms, 4 seen-set ttl s,
--       5 site rate /s, 6 client rate /s, 7 burst s, 8 n valid events,
--       then n (event id, payload) pairs, then dead-letter payloads
-- Returns {0, accepted, duplicates} | {1} unknown site key | {2} origin | {3, wait ms}

if redis.call('HGET', KEYS[1], 'site_key') ~= ARGV[1] then return {1} end
if ARGV[2] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then return {2} end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local burst = tonumber(ARGV[7]) * 1000

-- GCRA: the theoretical arrival time may run at most `burst` ms ahead of now.
local function next_arrival(key, rate)
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  return tat + 1000 / rate
end
local site_tat = next_arrival(KEYS[5], tonumber(ARGV[5]))
local client_tat = next_arrival(KEYS[6], tonumber(ARGV[6]))
local wait = math.max(site_tat - now - burst, client_tat - now - burst)
if wait > 0 then return {3, math.ceil(wait)} end
redis.call('SET', KEYS[5], string.format('%.3f', site_tat), 'PX', math.ceil(burst + 1000))
redis.call('SET', KEYS[6], string.format('%.3f', client_tat), 'PX', math.ceil(burst + 1000))

local min_id = string.format('%d', now - tonumber(ARGV[3]))
local n = tonumber(ARGV[8])
local accepted, duplicates = 0, 0
for i = 0, n - 1 do
  local event_id, payload = ARGV[9 + 2 * i], ARGV[10 + 2 * i]
  local seen = false
  for k = 7, #KEYS do
    if redis.call('SISMEMBER', KEYS[k], event_id) == 1 then seen = true; break end
  end
  if seen then
    duplicates = duplicates + 1
  else
    redis.call('SADD', KEYS[7], event_id)
    redis.call('XADD', KEYS[3], 'MINID', '~', min_id, '*', 'e', payload)
    accepted = accepted + 1
  end
end
if accepted > 0 then redis.call('EXPIRE', KEYS[7], ARGV[4]) end
for i = 9 + 2 * n, #ARGV do
  redis.call('XADD', KEYS[4], 'MINID', '~', min_id, '*', 'e', ARGV[i])
end
return {0, accepted, duplicates}
