-- Release of the window entries of an admission that must not stand: on a Redis Cluster, a request's key and
-- tenant checks (this shard) admitted it while the deployment-wide check (another shard) refused it. Its entries
-- leave the windows, with their tokens, as if admit.lua had never counted them (its quota reservation is released
-- by settle.lua with nothing used).
--
-- KEYS: per window: its zset and its token-sum key.
-- ARGV: [1] request id [2] tokens it reserved, then per window: 1 when the window counts tokens, else 0.

local id = ARGV[1]
for i = 0, #KEYS / 2 - 1 do
  local z, s = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  if ARGV[3 + i] == '1' then
    if redis.call('ZREM', z, ARGV[2] .. ':' .. id) == 1 and ARGV[2] ~= '0' then redis.call('DECRBY', s, ARGV[2]) end
  else
    redis.call('ZREM', z, id)
  end
end
return 1
