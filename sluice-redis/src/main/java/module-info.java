/**
 * sluice on Redis: the same backpressure contracts as sluice-core, held for a whole fleet of JVMs. A
 * bounded, durable work queue on Redis streams ({@link dev.sluice.redis.RedisWorkQueue}), a token bucket
 * and a concurrency limiter whose clocks are the Redis server's ({@link dev.sluice.redis.RedisTokenBucket},
 * {@link dev.sluice.redis.RedisConcurrencyLimiter}). Talks to Redis through Lettuce.
 */
module dev.sluice.redis {
    requires transitive dev.sluice;
    requires lettuce.core;
    exports dev.sluice.redis;
}
