#!lua
-- What a recommendation request needs of its visitor, in one call (recommendation_service.py)
-- KEYS: 1 exposures (hash), 2 the session's products (list, newest first), 3 the visitor's
--       purchases (sorted set, by time in ms), 4 this hour's requests per placement (hash);
--       all of one shop: one Cluster slot
-- ARGV: 1 anonymous id, 2 the exposure to record if it is the visitor's first (JSON),
--       3 how many of the session's products, 4 seconds to keep the request counts,
--       5 n placements, then the n placement names, then each purchase window's start (ms)
-- Returns {the exposure of record, the session's products, {purchases since each start}}

redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
local exposure = redis.call('HGET', KEYS[1], ARGV[1])
local session = redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[3]) - 1)
local placements = tonumber(ARGV[5])
for i = 1, placements do
  redis.call('HINCRBY', KEYS[4], ARGV[5 + i], 1)
end
redis.call('EXPIRE', KEYS[4], ARGV[4])
local bought = {}
for i = 6 + placements, #ARGV do
  bought[#bought + 1] = redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[i], '+inf')
end
return {exposure, session, bought}
