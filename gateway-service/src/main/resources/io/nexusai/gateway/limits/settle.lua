-- Settlement of one finished request: its reservation (if admission made one and it has not expired) is
-- released from the quota counters it was added to, and the request's real tokens and cost are added as used.
-- A request admitted while Redis was unreachable has no reservation: only its use is added.
--
-- KEYS: [1] reservations hash, [2] reservation expiries zset, then the quota hashes to charge.
-- ARGV: [1] request id [2] tokens used [3] cost used (integer nano-units), then per quota hash its ttl (s).

local rec = redis.call('HGET', KEYS[1], ARGV[1])
if rec then
  local p = {}
  for w in string.gmatch(rec, '%S+') do p[#p + 1] = w end
  for j = 3, #p do
    if p[1] ~= '0' then redis.call('HINCRBY', p[j], 'tr', '-' .. p[1]) end
    if p[2] ~= '0' then redis.call('HINCRBY', p[j], 'cr', '-' .. p[2]) end
  end
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
for q = 3, #KEYS do
  if ARGV[2] ~= '0' then redis.call('HINCRBY', KEYS[q], 'tu', ARGV[2]) end
  if ARGV[3] ~= '0' then redis.call('HINCRBY', KEYS[q], 'cu', ARGV[3]) end
  redis.call('EXPIRE', KEYS[q], ARGV[q + 1])
end
return 1
