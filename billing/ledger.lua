-- One ledger entry for one visitor in one period, applied atomically (billing/ledger.py).
-- KEYS: exposures, visitors, days, applied, lock, revenue (all of one shop: one slot)
-- ARGV: visitor, entry id ('' for none), day, seen (0/1), orders, revenue, page views, clicks
-- A visitor's row is their running totals `seen_day|orders|revenue|page_views|clicks`; once
-- seen, the row counts in its first-seen day's sums. A change moves the old row out and the
-- new one in, so the day sums equal the sums over the current rows whatever the entry order.
local LIMB = 1048576 -- 2^20: squares are kept in limbs so every number stays exact in a double
local MAX_REVENUE = 1099511627776 -- 2^40 minor units
local MAX_COUNT = 1048576

if redis.call('EXISTS', KEYS[5]) == 1 then return 'locked' end
local visitor, entry = ARGV[1], ARGV[2]
if entry ~= '' and redis.call('SISMEMBER', KEYS[4], entry) == 1 then return 'duplicate' end

local old = {'', 0, 0, 0, 0}
local stored = redis.call('HGET', KEYS[2], visitor)
if stored then
  local i = 1
  for part in string.gmatch(stored .. '|', '([^|]*)|') do
    if i == 1 then old[i] = part else old[i] = tonumber(part) end
    i = i + 1
  end
end
local new = {old[1]}
for i = 2, 5 do new[i] = old[i] + tonumber(ARGV[i + 3]) end
if ARGV[4] == '1' and (new[1] == '' or ARGV[3] < new[1]) then new[1] = ARGV[3] end

if math.abs(new[3]) >= MAX_REVENUE or new[2] >= MAX_COUNT or new[4] >= MAX_REVENUE
    or new[5] >= MAX_REVENUE or new[2] < 0 or new[4] < 0 or new[5] < 0 then
  return 'out_of_range'
end
local arm
if new[1] ~= '' then
  local exposure = redis.call('HGET', KEYS[1], visitor)
  if not exposure then return 'unexposed' end
  arm = cjson.decode(exposure)['arm']
end

local function int(x) return string.format('%.0f', x) end

local function contribute(row, sign)
  if row[1] == '' then return end
  local prefix = row[1] .. '|' .. arm .. '|'
  local orders, revenue = row[2], math.max(row[3], 0)
  local hi, lo = math.floor(revenue / LIMB), revenue % LIMB
  local converting = 0
  if orders > 0 then converting = 1 end
  local sums = {
    visitors = 1, converting = converting, orders = orders, orders_sq = orders * orders,
    revenue = revenue, revenue_sq2 = hi * hi, revenue_sq1 = 2 * hi * lo, revenue_sq0 = lo * lo,
    revenue_orders1 = hi * orders, revenue_orders0 = lo * orders,
    page_views = row[4], clicks = row[5],
  }
  for name, value in pairs(sums) do
    if value ~= 0 then redis.call('HINCRBY', KEYS[3], prefix .. name, int(sign * value)) end
  end
end

contribute(old, -1)
contribute(new, 1)
redis.call('HSET', KEYS[2], visitor,
  new[1] .. '|' .. int(new[2]) .. '|' .. int(new[3]) .. '|' .. int(new[4]) .. '|' .. int(new[5]))
if new[1] ~= '' then redis.call('ZADD', KEYS[6], int(math.max(new[3], 0)), visitor) end
if entry ~= '' then redis.call('SADD', KEYS[4], entry) end
return 'applied'
