-- Admission of one request, atomically: sliding-window requests and tokens per minute of its key and tenant,
-- token quotas and cost budgets of its key, tenant (per day and month) and session, and the requests per minute
-- of the deployments it may go to (the first with room is chosen). Either everything is counted, or nothing.
--
-- KEYS: [1] reservations hash, [2] reservation expiries zset,
--       then per window: its zset and its token-sum key; then per quota: its hash; then per candidate: its zset.
-- ARGV: [1] now (epoch ms) [2] request id [3] window (ms) [4] when the reservation expires (epoch ms)
--       [5] tokens to reserve [6] cost to reserve (integer nano-units) [7] windows [8] quotas [9] candidates
--       then per window: rpm, tpm; per quota: token limit, cost limit, ttl (s); per candidate: rpm.
--       A limit of -1 is no limit; a candidate rpm of 0 is no limit.
-- Returns {verdict, index, retry_ms, req_limit, req_remaining, req_reset_ms, tok_limit, tok_remaining,
--          tok_reset_ms, then per quota: tokens, cost} with verdict 0 admitted (index = chosen candidate, -1 when
--          there are none), 1 requests per minute, 2 tokens per minute, 3 token quota, 4 cost budget (index = the
--          window or quota refused), 5 every candidate at its rate limit. retry_ms -1: can never fit.

local now = tonumber(ARGV[1])
local id = ARGV[2]
local win = tonumber(ARGV[3])
local T = tonumber(ARGV[5])
local C = tonumber(ARGV[6])
local W = tonumber(ARGV[7])
local Q = tonumber(ARGV[8])
local D = tonumber(ARGV[9])
local floor = now - win

local function words(s)
  local out = {}
  for w in string.gmatch(s, '%S+') do out[#out + 1] = w end
  return out
end

local function neg(s)
  if s == '0' then return nil end
  return '-' .. s
end

-- reservations of requests whose gateway never settled them (it died): released once expired (looked at only
-- by requests that check quotas: nothing else reads the reserved counts)
local stale = {}
if Q > 0 then stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 64) end
for _, rid in ipairs(stale) do
  local rec = redis.call('HGET', KEYS[1], rid)
  if rec then
    local p = words(rec)
    for j = 3, #p do
      if neg(p[1]) then redis.call('HINCRBY', p[j], 'tr', neg(p[1])) end
      if neg(p[2]) then redis.call('HINCRBY', p[j], 'cr', neg(p[2])) end
    end
    redis.call('HDEL', KEYS[1], rid)
  end
  redis.call('ZREM', KEYS[2], rid)
end

-- window entries older than a minute leave, with their tokens when the window counts tokens (s not nil)
local function purge(z, s)
  if not s then
    redis.call('ZREMRANGEBYSCORE', z, '-inf', floor)
    return
  end
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', floor)
  if #old == 0 then return end
  local freed = 0
  for _, m in ipairs(old) do
    local sep = string.find(m, ':', 1, true)
    if sep then freed = freed + tonumber(string.sub(m, 1, sep - 1)) end
  end
  redis.call('ZREMRANGEBYSCORE', z, '-inf', floor)
  if s and freed > 0 then redis.call('DECRBY', s, freed) end
end

-- ms from now until an entry stamped at `at` leaves the window: at most the window, since the entry was counted
-- before this script ran, although its gateway may have stamped it later than this request's own stamp (now)
local function leavesAfter(at)
  return math.min(win, math.max(0, at + win - now))
end

-- ms until the entry at rank r (0 = oldest) leaves the window
local function leaves(z, r)
  local e = redis.call('ZRANGE', z, r, r, 'WITHSCORES')
  if #e == 0 then return 0 end
  return leavesAfter(tonumber(e[2]))
end

-- ms until the oldest entries holding at least `need` tokens have left
local function tokensLeave(z, need)
  local all = redis.call('ZRANGE', z, 0, -1, 'WITHSCORES')
  local freed = 0
  for j = 1, #all, 2 do
    local m = all[j]
    local sep = string.find(m, ':', 1, true)
    if sep then freed = freed + tonumber(string.sub(m, 1, sep - 1)) end
    if freed >= need then return leavesAfter(tonumber(all[j + 1])) end
  end
  return win
end

local k = 3
local a = 10
local counts = {}
local sums = {}
for i = 0, W - 1 do
  local z, s = KEYS[k + 2 * i], KEYS[k + 2 * i + 1]
  local rpm, tpm = tonumber(ARGV[a + 2 * i]), tonumber(ARGV[a + 2 * i + 1])
  -- a window counts tokens only under a tokens-per-minute limit; a requests-only window is a plain log
  local used = 0
  if tpm >= 0 then
    purge(z, s)
    used = tonumber(redis.call('GET', s) or '0')
  else
    purge(z, nil)
  end
  local n = redis.call('ZCARD', z)
  counts[i] = n
  sums[i] = used
  if rpm >= 0 and n + 1 > rpm then
    local retry = -1
    if rpm > 0 then retry = leaves(z, n - rpm) end
    return {1, i, retry, rpm, math.max(0, rpm - n), leaves(z, 0), -1, -1, 0}
  end
  if tpm >= 0 and used + T > tpm then
    local retry = -1
    if T <= tpm then retry = tokensLeave(z, used + T - tpm) end
    return {2, i, retry, -1, -1, 0, tpm, math.max(0, tpm - used), leaves(z, 0)}
  end
end

local qk = k + 2 * W
local qa = a + 2 * W
local quotaState = {}
for q = 0, Q - 1 do
  local h = KEYS[qk + q]
  local tl, cl = tonumber(ARGV[qa + 3 * q]), tonumber(ARGV[qa + 3 * q + 1])
  local v = redis.call('HMGET', h, 'tu', 'tr', 'cu', 'cr')
  local tokens = (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
  local cost = (tonumber(v[3]) or 0) + (tonumber(v[4]) or 0)
  if tl >= 0 and tokens + T > tl then return {3, q, -1, -1, -1, 0, -1, -1, 0} end
  if cl >= 0 and cost + C > cl then return {4, q, -1, -1, -1, 0, -1, -1, 0} end
  quotaState[q] = {tokens + T, cost + C}
end

local ck = qk + Q
local ca = qa + 3 * Q
local chosen = -1
local retry = -1
for c = 0, D - 1 do
  local z = KEYS[ck + c]
  local rpm = tonumber(ARGV[ca + c])
  if rpm <= 0 then chosen = c break end
  purge(z, nil)
  local n = redis.call('ZCARD', z)
  if n < rpm then chosen = c break end
  local r = leaves(z, n - rpm)
  if retry < 0 or r < retry then retry = r end
end
if D > 0 and chosen < 0 then return {5, -1, retry, -1, -1, 0, -1, -1, 0} end

-- admitted: count it everywhere
local reqLimit, reqRemaining, reqReset = -1, -1, 0
local tokLimit, tokRemaining, tokReset = -1, -1, 0
for i = 0, W - 1 do
  local z, s = KEYS[k + 2 * i], KEYS[k + 2 * i + 1]
  local rpm, tpm = tonumber(ARGV[a + 2 * i]), tonumber(ARGV[a + 2 * i + 1])
  if tpm >= 0 then
    redis.call('ZADD', z, now, ARGV[5] .. ':' .. id)
    if T > 0 then
      redis.call('INCRBY', s, ARGV[5])
      redis.call('PEXPIRE', s, win)
    end
  else
    redis.call('ZADD', z, now, id)
  end
  redis.call('PEXPIRE', z, win)
  if rpm >= 0 and (reqLimit < 0 or rpm - counts[i] - 1 < reqRemaining) then
    reqLimit = rpm
    reqRemaining = rpm - counts[i] - 1
    reqReset = leaves(z, 0)
  end
  if tpm >= 0 and (tokLimit < 0 or tpm - sums[i] - T < tokRemaining) then
    tokLimit = tpm
    tokRemaining = tpm - sums[i] - T
    tokReset = leaves(z, 0)
  end
end
if Q > 0 and (T > 0 or C > 0) then
  local rec = ARGV[5] .. ' ' .. ARGV[6]
  for q = 0, Q - 1 do
    local h = KEYS[qk + q]
    if T > 0 then redis.call('HINCRBY', h, 'tr', ARGV[5]) end
    if C > 0 then redis.call('HINCRBY', h, 'cr', ARGV[6]) end
    redis.call('EXPIRE', h, ARGV[qa + 3 * q + 2])
    rec = rec .. ' ' .. h
  end
  redis.call('HSET', KEYS[1], id, rec)
  redis.call('ZADD', KEYS[2], ARGV[4], id)
end
if chosen >= 0 and tonumber(ARGV[ca + chosen]) > 0 then
  local z = KEYS[ck + chosen]
  redis.call('ZADD', z, now, id)
  redis.call('PEXPIRE', z, win)
end

local out = {0, chosen, 0, reqLimit, reqRemaining, reqReset, tokLimit, tokRemaining, tokReset}
for q = 0, Q - 1 do
  out[#out + 1] = quotaState[q][1]
  out[#out + 1] = quotaState[q][2]
end
return out
