-- One ledger entry for one visitor in one period, applied atomically (billing/ledger.py).
-- KEYS: exposures, visitors, days, applied (the ids applied from the entry's stream minute),
--   lock, revenue, late visitors, late, late entries, pre-exposure, pre-exposure revenue,
--   applied minutes (all of one shop: one slot)
-- ARGV: visitor, entry id ('' for none), day, seen (0/1), orders, revenue, page views, clicks,
--   kind, the minute of the applied set (ms)
-- A visitor's row is their running totals `seen_day|orders|revenue|page_views|clicks|x`; once
-- seen, the row counts in its first-seen day's sums. A change moves the old row out and the
-- new one in, so the day sums equal the sums over the current rows whatever the entry order.
-- x is the visitor's pre-exposure revenue (the covariate), copied into the row when it is
-- first seen; it is frozen by then, since only orders applied before the exposure move it.
-- After the lock the period's keys stay as the invoice read them: a change goes to the late
-- rows and late sums instead (locked + late = the corrected period) and is logged.
local LIMB = 1048576 -- 2^20: squares are kept in limbs so every number stays exact in a double
local MAX_REVENUE = 1099511627776 -- 2^40 minor units
local MAX_COUNT = 1048576

local visitor, entry = ARGV[1], ARGV[2]
if entry ~= '' and redis.call('SISMEMBER', KEYS[4], entry) == 1 then return 'duplicate' end
local locked = redis.call('EXISTS', KEYS[5]) == 1
local rows, sums = KEYS[2], KEYS[3]
if locked then rows, sums = KEYS[7], KEYS[8] end

local old = {'', 0, 0, 0, 0, 0}
local stored = redis.call('HGET', rows, visitor)
if not stored and locked then stored = redis.call('HGET', KEYS[2], visitor) end
if stored then
  local i = 1
  for part in string.gmatch(stored .. '|', '([^|]*)|') do
    if i == 1 then old[i] = part else old[i] = tonumber(part) end
    i = i + 1
  end
end
local new = {old[1]}
for i = 2, 5 do new[i] = old[i] + tonumber(ARGV[i + 3]) end
new[6] = old[6]
if ARGV[4] == '1' and (new[1] == '' or ARGV[3] < new[1]) then new[1] = ARGV[3] end

local exposure = redis.call('HGET', KEYS[1], visitor)
local before = 0
if not exposure then before = tonumber(redis.call('HGET', KEYS[10], visitor) or '0') end
if math.abs(new[3]) >= MAX_REVENUE or new[2] >= MAX_COUNT or new[4] >= MAX_REVENUE
    or new[5] >= MAX_REVENUE or new[2] < 0 or new[4] < 0 or new[5] < 0
    or math.abs(before + tonumber(ARGV[6])) >= MAX_REVENUE then
  return 'out_of_range'
end
local arm = ''
if new[1] ~= '' then
  if not exposure then return 'unexposed' end
  arm = cjson.decode(exposure)['arm']
  if old[1] == '' then
    new[6] = math.max(tonumber(redis.call('HGET', KEYS[10], visitor) or '0'), 0)
  end
end

local function int(x) return string.format('%.0f', x) end

local function contribute(row, sign)
  if row[1] == '' then return end
  local prefix = row[1] .. '|' .. arm .. '|'
  local orders, revenue, x = row[2], math.max(row[3], 0), row[6]
  local hi, lo = math.floor(revenue / LIMB), revenue % LIMB
  local x_hi, x_lo = math.floor(x / LIMB), x % LIMB
  local converting = 0
  if orders > 0 then converting = 1 end
  local changes = {
    visitors = 1, converting = converting, orders = orders, orders_sq = orders * orders,
    revenue = revenue, revenue_sq2 = hi * hi, revenue_sq1 = 2 * hi * lo, revenue_sq0 = lo * lo,
    revenue_orders1 = hi * orders, revenue_orders0 = lo * orders,
    page_views = row[4], clicks = row[5],
    pre = x, pre_sq2 = x_hi * x_hi, pre_sq1 = 2 * x_hi * x_lo, pre_sq0 = x_lo * x_lo,
    pre_revenue2 = x_hi * hi, pre_revenue1 = x_hi * lo + x_lo * hi, pre_revenue0 = x_lo * lo,
  }
  for name, value in pairs(changes) do
    if value ~= 0 then redis.call('HINCRBY', sums, prefix .. name, int(sign * value)) end
  end
end

contribute(old, -1)
contribute(new, 1)
local row = new[1]
for i = 2, 6 do row = row .. '|' .. int(new[i]) end
redis.call('HSET', rows, visitor, row)
if not exposure and (ARGV[5] ~= '0' or ARGV[6] ~= '0') then
  redis.call('HINCRBY', KEYS[10], visitor, ARGV[6])
end
if entry ~= '' then
  redis.call('SADD', KEYS[4], entry)
  redis.call('ZADD', KEYS[12], 'NX', ARGV[10], ARGV[10])
end
if not locked then
  if new[1] ~= '' then redis.call('ZADD', KEYS[6], int(math.max(new[3], 0)), visitor) end
  if new[1] ~= '' and new[6] > 0 then redis.call('ZADD', KEYS[11], int(new[6]), visitor) end
  return 'applied'
end
if row ~= stored then
  redis.call('XADD', KEYS[9], '*', 'entry', entry, 'kind', ARGV[9], 'visitor', visitor,
    'day', ARGV[3], 'exposed', ARGV[4], 'arm', arm, 'orders', ARGV[5], 'revenue', ARGV[6],
    'page_views', ARGV[7], 'clicks', ARGV[8])
end
return 'late'
