#!lua
-- Records a refund (or cancellation) of an order once: idempotent by refund id, never
-- refunding more than the order's total, atomic with its log entry.
-- Amounts are whole millionths: Lua's doubles hold them exactly below 2^53.
-- KEYS: 1 order hash, 2 the order's refunds hash, 3 order log stream
-- ARGV: 1 refund id, 2 refund body (canonical JSON), 3 amount in millionths
-- Returns {0} recorded | {1} the same body was recorded before | {2, stored body} another
--         body | {3, refunded millionths, total millionths} over the total | {4} no order

local total = redis.call('HGET', KEYS[1], 'total_micros')
if not total then return {4} end
local stored = redis.call('HGET', KEYS[2], ARGV[1])
if stored then
  if stored ~= ARGV[2] then return {2, stored} end
  -- A write, so that WAITAOF on this connection also covers the first recording.
  redis.call('HINCRBY', KEYS[1], 'replays', 1)
  return {1}
end
local refunded = redis.call('HGET', KEYS[1], 'refunded_micros')
if tonumber(refunded) + tonumber(ARGV[3]) > tonumber(total) then
  return {3, refunded, total}
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'refunded_micros', ARGV[3])
redis.call('XADD', KEYS[3], '*', 'kind', 'refund', 'body', ARGV[2])
return {0}
