-- wrk script of bench/catalogue-scale.sh: bench/chat.lua's chat completion, each request with one of the seeded
-- app keys and one of the seeded aliases (bench/Catalogue.java): key i is "nx-app-bench" .. i zero-padded to 35
-- digits, alias j is "bench-alias-" .. j zero-padded to 6 digits.
-- Env: BENCH_KEYS (number of keys), BENCH_ALIASES (number of aliases), BENCH_MODE:
--   random      key and alias drawn uniformly at random per request (the measured runs)
--   sequential  request n (counted from BENCH_OFFSET) takes key n mod BENCH_KEYS and alias n mod BENCH_ALIASES:
--               the warm-up passes (every key, or every alias, once) in runs of a few seconds, each one going on
--               where the previous stopped; run it with -t1
-- At the end it prints "STATUS <code> <count>" for every status answered and "SENT <n>", the requests sent.
local keys = tonumber(os.getenv("BENCH_KEYS") or "1")
local aliases = tonumber(os.getenv("BENCH_ALIASES") or "1")
local sequential = os.getenv("BENCH_MODE") == "sequential"
local offset = tonumber(os.getenv("BENCH_OFFSET") or "0")

local headers = { ["Content-Type"] = "application/json" }
local body_head = '{"model":"bench-alias-'
local body_tail = '","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello to the benchmark."}],"temperature":0.7,"max_tokens":64}'

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + #threads)
  sent = 0
  statuses = {}
end

function request()
  local k, a
  if sequential then
    k = (offset + sent) % keys
    a = (offset + sent) % aliases
  else
    k = math.random(0, keys - 1)
    a = math.random(0, aliases - 1)
  end
  sent = sent + 1
  headers["Authorization"] = string.format("Bearer nx-app-bench%035d", k)
  return wrk.format("POST", nil, headers, body_head .. string.format("%06d", a) .. body_tail)
end

function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total, sent_all = {}, 0
  for _, thread in ipairs(threads) do
    sent_all = sent_all + thread:get("sent")
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("STATUS %d %d\n", status, n))
  end
  io.write(string.format("SENT %d\n", sent_all))
end
