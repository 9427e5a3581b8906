/**
 * Fleet-wide backpressure on one Redis server (7.x or Valkey), through Lettuce.
 *
 * <ul>
 * <li>{@link dev.sluice.redis.RedisBackend}: the connection every queue and limiter of a JVM shares; every
 *     wait for Redis is bounded by its command timeout, shortened to the caller's context deadline.</li>
 * <li>{@link dev.sluice.redis.RedisWorkQueue} and {@link dev.sluice.redis.RedisWorker}: a bounded, durable,
 *     at-least-once work queue on a stream; the bound (waiting plus in-flight jobs) is enforced by an atomic
 *     script for all producers together; workers pull only as many jobs as they have credit for.</li>
 * <li>{@link dev.sluice.redis.RedisTokenBucket} and {@link dev.sluice.redis.RedisConcurrencyLimiter}: the
 *     {@link dev.sluice.limit.TokenBucket} and {@link dev.sluice.limit.ConcurrencyLimiter} interfaces for a
 *     whole fleet, computed from the Redis server's clock; permits are leases.</li>
 * <li>{@link dev.sluice.redis.FailureMode} and {@link dev.sluice.redis.RedisUnavailableException}: what
 *     happens when Redis cannot be reached.</li>
 * </ul>
 *
 * <p>Everything in Redis lives under keys starting {@code sluice:} with the object's name in braces (a
 * Redis Cluster hash tag, so that one object's keys share a slot).
 */
package dev.sluice.redis;
