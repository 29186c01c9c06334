-- wrk script: bench/chat.lua's chat completion, counting the answers of each second since the start (1-second
-- buckets, by gettimeofday through LuaJIT's FFI), printed at the end as "second <n> <answers> <non-200 answers>".
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "chat.lua")

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } nexus_timeval;
  int gettimeofday(nexus_timeval *tv, void *tz);
]]
local tv = ffi.new("nexus_timeval")
local function now()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  started = now()
  answers = {}
  failures = {}
end

function response(status, headers, body)
  local second = math.floor(now() - started)
  answers[second] = (answers[second] or 0) + 1
  if status ~= 200 then
    failures[second] = (failures[second] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total, bad, last = {}, {}, -1
  for _, thread in ipairs(threads) do
    for second, n in pairs(thread:get("answers")) do
      total[second] = (total[second] or 0) + n
      if second > last then last = second end
    end
    for second, n in pairs(thread:get("failures")) do
      bad[second] = (bad[second] or 0) + n
    end
  end
  for second = 0, last do
    io.write(string.format("second %d %d %d\n", second + 1, total[second] or 0, bad[second] or 0))
  end
end
