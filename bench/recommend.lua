-- wrk script: GET each path of the file BENCH_PATHS in turn (one request a line).
dofile(debug.getinfo(1, "S").source:match("@(.*/)") .. "wrk_result.lua")

local paths = {}
local index = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
  math.randomseed(os.time())
  index = math.random(#paths)
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index], {["Origin"] = "https://shop.example"})
end
