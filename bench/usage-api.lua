-- wrk script of bench/metering-scale.sh: GET one usage API path per request, with {t} replaced by a random tenant
-- number (0 .. tenants-1) and {k} by a random key number (0 .. keys-1).
-- wrk ... -s bench/usage-api.lua URL -- PATH_TEMPLATE TENANTS KEYS
local template, tenants, keys

function init(args)
  template = args[1]
  tenants = tonumber(args[2]) or 100
  keys = tonumber(args[3]) or 3
  math.randomseed(os.time())
end

function request()
  local t = tostring(math.random(0, tenants - 1))
  local k = tostring(math.random(0, keys - 1))
  local path = template:gsub("{t}", t):gsub("{k}", k)
  return wrk.format("GET", path)
end
