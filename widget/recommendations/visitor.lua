#!lua
-- What a recommendation request needs of its visitor, in one call (recommendation_service.py)
-- KEYS: 1 exposures (hash), 2 the session's products (list, newest first), 3 the visitor's
--       purchases (sorted set, by time in ms), 4 this hour's requests per placement (hash),
--       5 exposures by last day seen (sorted set, ms), 6 visitors recorded today (set),
--       7 new visitors of the client's network this hour (counter), 8 the event stream;
--       all of one shop: one Cluster slot
-- ARGV: 1 anonymous id, 2 the exposure to record if it is the visitor's first (JSON),
--       3 how many of the session's products, 4 seconds to keep the request counts,
--       5 '1' when the request may count (a browser, not a bot), 6 new visitors allowed per
--       network and hour, 7 the day's exposure event (JSON), 8 now (ms), 9 the lifetime of
--       an unseen exposure (ms),
--       10 n placements, then the n placement names, then each purchase window's start (ms)
-- Returns {the exposure of record (or the one it would be), the session's products,
--          {purchases since each start}}
-- A request that may count records a new visitor's exposure (within the network's limit),
-- and once a day appends the visitor's exposure event, which makes them count for billing.

local exposure = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[5] == '1' then
  if not exposure and tonumber(redis.call('GET', KEYS[7]) or '0') < tonumber(ARGV[6]) then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
    redis.call('INCR', KEYS[7])
    redis.call('EXPIRE', KEYS[7], 7200)
    exposure = ARGV[2]
  end
  if exposure and redis.call('SADD', KEYS[6], ARGV[1]) == 1 then
    redis.call('EXPIRE', KEYS[6], 172800)
    redis.call('XADD', KEYS[8], '*', 'n', 1, 'events', ARGV[7])
    redis.call('ZADD', KEYS[5], ARGV[8], ARGV[1])
    -- Expired exposures go a few at a time, as visitors are seen: at most as many expire.
    local cutoff = '(' .. string.format('%d', tonumber(ARGV[8]) - tonumber(ARGV[9]))
    for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', cutoff, 'LIMIT', 0, 2)) do
      redis.call('HDEL', KEYS[1], gone)
      redis.call('ZREM', KEYS[5], gone)
    end
  end
end
local session = redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[3]) - 1)
local placements = tonumber(ARGV[10])
for i = 1, placements do
  redis.call('HINCRBY', KEYS[4], ARGV[10 + i], 1)
end
redis.call('EXPIRE', KEYS[4], ARGV[4])
local bought = {}
for i = 11 + placements, #ARGV do
  bought[#bought + 1] = redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[i], '+inf')
end
return {exposure or ARGV[2], session, bought}
