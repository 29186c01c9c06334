-- Release of an admission that must not stand: on a Redis Cluster, a request's key and tenant checks (this
-- shard) admitted it while the deployment-wide check (another shard) refused it. Its window entries leave (with
-- their tokens) and its quota reservation is released, as if admit.lua had never counted it.
--
-- KEYS: [1] reservations hash, [2] reservation expiries zset, then per window: its zset and its token-sum key.
-- ARGV: [1] request id [2] tokens it reserved, then per window: 1 when the window counts tokens, else 0.

local id = ARGV[1]
local rec = redis.call('HGET', KEYS[1], id)
if rec then
  local p = {}
  for w in string.gmatch(rec, '%S+') do p[#p + 1] = w end
  for j = 3, #p do
    if p[1] ~= '0' then redis.call('HINCRBY', p[j], 'tr', '-' .. p[1]) end
    if p[2] ~= '0' then redis.call('HINCRBY', p[j], 'cr', '-' .. p[2]) end
  end
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
for i = 0, (#KEYS - 2) / 2 - 1 do
  local z, s = KEYS[3 + 2 * i], KEYS[4 + 2 * i]
  if ARGV[3 + i] == '1' then
    if redis.call('ZREM', z, ARGV[2] .. ':' .. id) == 1 and ARGV[2] ~= '0' then redis.call('DECRBY', s, ARGV[2]) end
  else
    redis.call('ZREM', z, id)
  end
end
return 1
