-- wrk script: POST (to the URL given to wrk) with BENCH_BATCH events a request, every event id new,
-- so that the server appends every event (no duplicates) and the count can be checked.
dofile(debug.getinfo(1, "S").source:match("@(.*/)") .. "wrk_result.lua")

local site_key = os.getenv("BENCH_SITE_KEY")
local batch = tonumber(os.getenv("BENCH_BATCH"))
local sequence = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["Origin"] = "https://shop.example"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

function init(args)
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1000000) % 1000)
end

local function hex16() return string.format("%04x", math.random(0, 65535)) end

local function uuid4()
  return hex16() .. hex16() .. "-" .. hex16() .. "-4" .. string.sub(hex16(), 2) .. "-a"
    .. string.sub(hex16(), 2) .. "-" .. hex16() .. hex16() .. hex16()
end

function request()
  sequence = sequence + 1
  local events = {}
  for i = 1, batch do
    local product = math.random(1, 40000)
    events[i] = string.format(
      '{"event_id":"%s","type":"Product Viewed","anonymous_id":"visitor-%d",' ..
      '"session_id":"session-%d","timestamp":"2026-11-23T10:00:00.000Z",' ..
      '"properties":{"product_id":"%d","price":12.5,"currency":"GBP"},' ..
      '"context":{"page":{"url":"https://shop.example/p/%d","referrer":""}}}',
      uuid4(), sequence % 5000, sequence % 5000, product, product)
  end
  wrk.body = '{"site_key":"' .. site_key .. '","sent_at":"2026-11-23T10:00:00.100Z","events":['
    .. table.concat(events, ",") .. ']}'
  return wrk.format()
end
