-- wrk script: the non-streaming chat completion of chat.lua, with the responses counted in 1-second buckets from
-- the start of the load (monotonic clock through LuaJIT's FFI). done() prints one line:
--   BUCKETS <responses in second 1> <second 2> ...   and   BUCKETS_NON2XX <count per second> ...
-- Env: BENCH_KEY (bearer), BENCH_MODEL.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } nx_timespec;
  int clock_gettime(int clk_id, nx_timespec *tp);
]]
local ts = ffi.new("nx_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
wrk.body = '{"model":"' .. os.getenv("BENCH_MODEL") .. '","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello to the benchmark."}],"temperature":0.7,"max_tokens":64}'

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  start = now()
  buckets = {}
  bad = {}
end

function response(status, headers, body)
  local b = math.floor(now() - start) + 1
  buckets[b] = (buckets[b] or 0) + 1
  if status < 200 or status > 299 then
    bad[b] = (bad[b] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total, totalBad, last = {}, {}, 0
  for _, thread in ipairs(threads) do
    local b, x = thread:get("buckets"), thread:get("bad")
    for k, v in pairs(b) do
      total[k] = (total[k] or 0) + v
      if k > last then last = k end
    end
    for k, v in pairs(x) do totalBad[k] = (totalBad[k] or 0) + v end
  end
  local line, lineBad = {}, {}
  for k = 1, last do
    line[#line + 1] = tostring(total[k] or 0)
    lineBad[#lineBad + 1] = tostring(totalBad[k] or 0)
  end
  io.write("BUCKETS " .. table.concat(line, " ") .. "\n")
  io.write("BUCKETS_NON2XX " .. table.concat(lineBad, " ") .. "\n")
end
