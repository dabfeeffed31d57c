-- wrk script: GET each path of the file BENCH_PATHS in turn (one request a line).
dofile(debug.getinfo(1, "S").source:match("@(.*/)") .. "wrk_result.lua")

-- What a browser's fetch sends, so that each request counts its visitor for billing and
-- takes the answer gzipped as browsers do.
local headers = {
  ["Accept-Encoding"] = "gzip, deflate, br, zstd",
  ["Origin"] = "https://shop.example",
  ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    .. "Chrome/156.0.0.0 Safari/537.36",
  ["Accept-Language"] = "en-US,en;q=0.9",
  ["Sec-Fetch-Mode"] = "cors",
  ["Sec-Fetch-Site"] = "cross-site",
  ["Sec-Fetch-Dest"] = "empty",
}
local paths = {}
local index = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
  math.randomseed(os.time())
  index = math.random(#paths)
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index], headers)
end
