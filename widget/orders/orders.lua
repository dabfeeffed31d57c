#!lua
-- Records an order of record once: idempotent by order id, atomic with its log entry.
-- KEYS: 1 order hash, 2 order log stream,
--       3 the visitor's bought set (only when the order names a visitor)
-- ARGV: 1 order body (canonical JSON), 2 total in millionths, 3 placed_at (ms),
--       4 bought set expiry (s), 5.. the distinct product ids of the order
-- Returns {0} recorded | {1} the same body was recorded before | {2, stored body} another body

local stored = redis.call('HGET', KEYS[1], 'body')
if stored then
  if stored ~= ARGV[1] then return {2, stored} end
  -- A write, so that WAITAOF on this connection also covers the first recording,
  -- which may have come over another connection and not be on disk yet.
  redis.call('HINCRBY', KEYS[1], 'replays', 1)
  return {1}
end
redis.call('HSET', KEYS[1], 'body', ARGV[1], 'total_micros', ARGV[2],
           'refunded_micros', 0, 'replays', 0)
redis.call('XADD', KEYS[2], '*', 'kind', 'order', 'body', ARGV[1])
if #KEYS == 3 then
  local members = {}
  for i = 5, #ARGV do
    members[#members + 1] = ARGV[3]
    members[#members + 1] = ARGV[i]
  end
  -- GT: an order that arrives late never moves a product's last purchase back in time.
  redis.call('ZADD', KEYS[3], 'GT', unpack(members))
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
return {0}
