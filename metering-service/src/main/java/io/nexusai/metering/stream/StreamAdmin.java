package io.nexusai.metering.stream;

import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Housekeeping of a Redis Stream and its consumer groups, each operation one Lua script (atomic: no consumer
 * can read or acknowledge between what the script looks at and what it changes). Blocking; call it off the
 * event loop.
 */
@ApplicationScoped
public class StreamAdmin {
    /** Splits and compares stream ids numerically ("ms-seq"). */
    private static final String ID_FUNCTIONS = """
            local function parse(id)
              local d = string.find(id, '-', 1, true)
              return tonumber(string.sub(id, 1, d - 1)), tonumber(string.sub(id, d + 1))
            end
            local function less(a, b)
              local am, as = parse(a)
              local bm, bs = parse(b)
              return am < bm or (am == bm and as < bs)
            end
            local function fields(flat)
              local t = {}
              for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
              return t
            end
            """;

    /**
     * KEYS[1] = stream. For every group, the lowest id it may still need is its oldest pending entry, or else
     * the id right after its last-delivered id (everything up to that is acknowledged); the stream is trimmed
     * (exactly, MINID) to the lowest of these over all groups. No group: nothing is trimmed (nobody has read
     * anything). Returns {threshold or '', entries removed}.
     */
    private static final String TRIM = ID_FUNCTIONS + """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'', 0} end
            local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
            if #groups == 0 then return {'', 0} end
            local min = nil
            for _, flat in ipairs(groups) do
              local g = fields(flat)
              local last = g['last-delivered-id']
              local d = string.find(last, '-', 1, true)
              local bound = string.sub(last, 1, d - 1) .. '-' .. string.format('%d', tonumber(string.sub(last, d + 1)) + 1)
              if tonumber(g['pending']) > 0 then
                local oldest = redis.call('XPENDING', KEYS[1], g['name'])[2]
                if less(oldest, bound) then bound = oldest end
              end
              if min == nil or less(bound, min) then min = bound end
            end
            local removed = redis.call('XTRIM', KEYS[1], 'MINID', min)
            return {min, removed}
            """;

    /**
     * KEYS[1] = stream, ARGV[1] = group, ARGV[2] = minimum idle ms, ARGV[3] = a consumer never to delete (the
     * caller). Deletes the group's consumers idle at least that long with no pending entries (a consumer's
     * pending entries would be lost with it; those are claimed first). Returns the names deleted.
     */
    private static final String DELETE_IDLE = """
            local deleted = {}
            local consumers = redis.pcall('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
            if type(consumers) ~= 'table' or consumers['err'] then return deleted end
            for _, flat in ipairs(consumers) do
              local c = {}
              for i = 1, #flat, 2 do c[flat[i]] = flat[i + 1] end
              if c['name'] ~= ARGV[3] and tonumber(c['pending']) == 0 and tonumber(c['idle']) >= tonumber(ARGV[2]) then
                redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], c['name'])
                table.insert(deleted, c['name'])
              end
            end
            return deleted
            """;

    /**
     * KEYS[1] = stream, ARGV[1] = group. Returns {pending, undelivered, exact}: entries delivered to the group and
     * not acknowledged, and entries not delivered yet — the group's {@code lag} (Redis 7+), else 0 when the group
     * has read up to the last id, else the stream length minus the pending ones (an upper bound: acknowledged
     * entries not trimmed yet count too; exact = 0).
     */
    private static final String LAG = ID_FUNCTIONS + """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, 1} end
            local len = redis.call('XLEN', KEYS[1])
            for _, flat in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
              local g = fields(flat)
              if g['name'] == ARGV[1] then
                local pending = tonumber(g['pending'])
                if type(g['lag']) == 'number' then return {pending, g['lag'], 1} end
                local s = fields(redis.call('XINFO', 'STREAM', KEYS[1]))
                if s['last-generated-id'] == g['last-delivered-id'] then return {pending, 0, 1} end
                return {pending, math.max(len - pending, 0), 0}
              end
            end
            return {0, len, 1}
            """;

    private final RedisDataSource redis;

    public StreamAdmin(RedisDataSource redis) {
        this.redis = redis;
    }

    /** What a trim did: the MINID used ({@code null} when nothing could be trimmed) and the entries removed. */
    public record Trim(String minId, long removed) {
    }

    /** Trims the stream to just below the oldest entry some consumer group of it has not acknowledged. */
    public Trim trim(String stream) {
        Response r = eval(TRIM, stream);
        String min = r.get(0).toString();
        return new Trim(min.isEmpty() ? null : min, r.get(1).toLong());
    }

    /** Deletes the group's consumers that are idle for at least {@code idle} and have nothing pending, except {@code self}. */
    public List<String> deleteIdleConsumers(String stream, String group, Duration idle, String self) {
        Response r = eval(DELETE_IDLE, stream, group, Long.toString(idle.toMillis()), self);
        List<String> out = new ArrayList<>();
        if (r != null) {
            for (int i = 0; i < r.size(); i++) {
                out.add(r.get(i).toString());
            }
        }
        return out;
    }

    /** Entries of the stream a group has not acknowledged yet. */
    public record Lag(long pending, long undelivered, boolean exact) {
        public long total() {
            return pending + undelivered;
        }
    }

    public Lag lag(String stream, String group) {
        Response r = eval(LAG, stream, group);
        return new Lag(r.get(0).toLong(), r.get(1).toLong(), r.get(2).toLong() == 1);
    }

    private Response eval(String script, String key, String... args) {
        String[] cmd = new String[3 + args.length];
        cmd[0] = script;
        cmd[1] = "1";
        cmd[2] = key;
        System.arraycopy(args, 0, cmd, 3, args.length);
        return redis.execute("EVAL", cmd);
    }
}
