package dev.sluice.redis.internal;

/**
 * The server-side scripts. Each runs atomically on the Redis server and reads the time with {@code TIME}
 * (Redis 7 replicates scripts by their effects, so a script that reads the clock is safe to replicate).
 * Times are microseconds since the epoch as Lua numbers (doubles hold them exactly until the year 2255);
 * they are written back with {@code %.17g} or {@code %.0f}, never with Lua's default 14 digits, which
 * would round them.
 */
public final class Lua {
    private Lua() { }

    private static final String NOW = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            """;

    /**
     * Token bucket as a generic cell rate algorithm: the key holds the theoretical arrival time (TAT), the
     * moment the bucket will be full again. KEYS[1] bucket; ARGV: mode (take|peek|giveback), n, microseconds
     * per token, burst, longest wait in us a take may reserve (-1: none), 1 if a new bucket starts full.
     * take returns the wait in us (>= 0) for admitted tokens, or -(needed wait) - 1 if refused; peek returns
     * {wait for n in us, tokens available now}; giveback returns 0.
     */
    public static final Script TOKEN_BUCKET = new Script("token-bucket", NOW + """
            local mode = ARGV[1]
            local n = tonumber(ARGV[2])
            local T = tonumber(ARGV[3])
            local burst = tonumber(ARGV[4])
            local tat = tonumber(redis.call('GET', KEYS[1]))
            if not tat then
              if ARGV[6] == '1' then tat = now else tat = now + burst * T end
            end
            if tat < now then tat = now end
            local function store(v)
              local ttl = math.ceil((v - now) / 1000) + 1000
              redis.call('SET', KEYS[1], string.format('%.17g', v), 'PX', string.format('%.0f', ttl))
            end
            if mode == 'peek' then
              local wait = tat + n * T - burst * T - now
              if wait < 0 then wait = 0 end
              local avail = math.floor((now + burst * T - tat) / T)
              if avail < 0 then avail = 0 end
              return {math.ceil(wait), avail}
            end
            if mode == 'giveback' then
              local v = tat - n * T
              if v < now then v = now end
              store(v)
              return 0
            end
            local newtat = tat + n * T
            local wait = newtat - burst * T - now
            if wait <= 0 or wait <= tonumber(ARGV[5]) then
              store(newtat)
              if wait < 0 then wait = 0 end
              return math.ceil(wait)
            end
            return -math.ceil(wait) - 1
            """);

    /**
     * Concurrency permits as leases. KEYS[1] leases (a sorted set: member "weight:id", score its expiry in
     * us), KEYS[2] units in use. ARGV[1] mode: acquire (ARGV member, weight, limit, lease us; returns 1 or
     * 0), release (ARGV member; returns 1 if it was held), renew (ARGV lease us, members...;
     * returns the members whose lease had already expired), peek (returns units in use). Expired leases
     * are reaped, and their weight returned, by acquire, renew and peek; release touches only its own.
     */
    public static final Script LEASES = new Script("leases", """
            local mode = ARGV[1]
            if mode == 'release' then
              if redis.call('ZREM', KEYS[1], ARGV[2]) == 1 then
                redis.call('DECRBY', KEYS[2], tonumber(string.match(ARGV[2], '^(%d+):')))
                return 1
              end
              return 0
            end
            """ + NOW + """
            local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
            if #expired > 0 then
              local freed = 0
              for _, m in ipairs(expired) do freed = freed + tonumber(string.match(m, '^(%d+):')) end
              redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
              redis.call('DECRBY', KEYS[2], freed)
            end
            local used = tonumber(redis.call('GET', KEYS[2]) or '0')
            if mode == 'acquire' then
              local w = tonumber(ARGV[3])
              if used + w <= tonumber(ARGV[4]) or used == 0 then
                redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[5])), ARGV[2])
                redis.call('INCRBY', KEYS[2], w)
                return 1
              end
              return 0
            elseif mode == 'renew' then
              local lost = {}
              local until_ = string.format('%.0f', now + tonumber(ARGV[2]))
              for i = 3, #ARGV do
                if redis.call('ZADD', KEYS[1], 'XX', 'CH', until_, ARGV[i]) == 0 and not redis.call('ZSCORE', KEYS[1], ARGV[i]) then
                  table.insert(lost, ARGV[i])
                end
              end
              return lost
            end
            return used
            """);

    /** Enqueue, refused at capacity. KEYS stream, backlog; ARGV capacity, payload. Returns the id, or nil if full. */
    public static final Script ENQUEUE = new Script("enqueue", """
            local b = tonumber(redis.call('GET', KEYS[2]) or '0')
            if b >= tonumber(ARGV[1]) then return false end
            redis.call('INCR', KEYS[2])
            return redis.call('XADD', KEYS[1], '*', 'p', ARGV[2], 'a', '0')
            """);

    /**
     * Acknowledge a finished item: XACK, XDEL, and one less in the backlog, only if this ack was the
     * first (a duplicate delivery acknowledged twice counts once). KEYS stream, backlog; ARGV group, id.
     */
    public static final Script ACK = new Script("ack", """
            local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
            if n == 1 then
              redis.call('XDEL', KEYS[1], ARGV[2])
              redis.call('DECR', KEYS[2])
            end
            return n
            """);

    /**
     * Give an item back: acknowledge it and either add it again at the end of the stream with its attempt
     * count (ARGV[3]) or, once ARGV[3] >= ARGV[4], move it to the dead-letter stream with the error
     * ARGV[5]. KEYS stream, backlog, dead; ARGV group, id, attempts, max attempts, error, dead-letter
     * length. Returns 1 requeued, 2 dead-lettered, 0 nothing (someone else already finished it).
     */
    public static final Script REQUEUE = new Script("requeue", """
            local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
            if n == 0 then return 0 end
            local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
            redis.call('XDEL', KEYS[1], ARGV[2])
            if #e == 0 then
              redis.call('DECR', KEYS[2])
              return 0
            end
            local f = e[1][2]
            local p = ''
            for i = 1, #f, 2 do if f[i] == 'p' then p = f[i + 1] end end
            if tonumber(ARGV[3]) >= tonumber(ARGV[4]) then
              redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'p', p, 'a', ARGV[3], 'err', ARGV[5], 'id', ARGV[2])
              redis.call('DECR', KEYS[2])
              return 2
            end
            redis.call('XADD', KEYS[1], '*', 'p', p, 'a', ARGV[3])
            return 1
            """);

    /**
     * Reclaim items idle longer than the visibility timeout (a crashed or stalled holder) with XAUTOCLAIM,
     * dead-lettering those whose deliveries plus failures reached the maximum. KEYS stream, backlog, dead;
     * ARGV group, consumer, min idle ms, cursor, count, max attempts, dead-letter length. Returns
     * {next cursor, id1, fields1, id2, fields2, ...}.
     */
    public static final Script RECLAIM = new Script("reclaim", """
            local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
            local out = {r[1]}
            for _, e in ipairs(r[2]) do
              local id = e[1]
              local f = e[2]
              local p = ''
              local a = 0
              for i = 1, #f, 2 do
                if f[i] == 'p' then p = f[i + 1] elseif f[i] == 'a' then a = tonumber(f[i + 1]) end
              end
              local pend = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
              local deliveries = 1
              if #pend > 0 then deliveries = tonumber(pend[1][4]) end
              local attempts = a + deliveries - 1
              if attempts >= tonumber(ARGV[6]) then
                redis.call('XACK', KEYS[1], ARGV[1], id)
                redis.call('XDEL', KEYS[1], id)
                redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'p', p, 'a', tostring(attempts),
                  'err', 'delivered ' .. deliveries .. ' times without an acknowledgement (holders crashed or stalled)', 'id', id)
                redis.call('DECR', KEYS[2])
              else
                table.insert(out, id)
                table.insert(out, f)
              end
            end
            return out
            """);
}
