package dev.sluice.server.fleet;

import dev.sluice.Context;
import dev.sluice.limit.KeyedLimiter;
import dev.sluice.limit.Permit;
import dev.sluice.redis.RedisBackend;
import dev.sluice.redis.RedisTokenBucket;
import dev.sluice.redis.RedisUnavailableException;
import dev.sluice.server.Rate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The fleet's token buckets, in Redis: one for the whole fleet ({@code --rate}) and one per client
 * ({@code --per-client}), each a {@link RedisTokenBucket} failing closed, on the Redis server's clock.
 *
 * <p>A bucket's state is one key in Redis; the Java object is a few fields. So a bucket object is made
 * for each decision: that keeps this JVM's memory independent of the number of clients (no local table
 * to bound), and lets each decision tell an empty bucket from an unreachable Redis exactly (the object's
 * own {@link RedisTokenBucket#unavailableCount()}). Client keys are hashed (SHA-256, 128 bits) into the
 * bucket's name, so any header value makes a valid key of fixed length.
 *
 * <p>Outcomes: taken; empty (429, with when the next token comes); Redis unavailable (503, counted in
 * {@link #unavailable()}). No call waits longer than the backend's command timeout. Thread-safe.
 */
public final class FleetBuckets {

    /** What one try found. */
    public sealed interface Outcome {
        record Taken() implements Outcome { }
        record Empty(long retryNanos) implements Outcome { }
        record Unavailable(String message) implements Outcome { }
    }

    private final RedisBackend backend;
    private final String prefix;
    private final LongAdder unavailable = new LongAdder();

    public FleetBuckets(Fleet fleet) {
        this.backend = fleet.backend();
        this.prefix = "sluice-server:" + fleet.config().queue() + ":";
    }

    private RedisTokenBucket bucket(String name, Rate rate) {
        return RedisTokenBucket.builder().backend(backend).name(prefix + name).rate(rate.permits(), rate.period())
                .burst(rate.permits()).failClosed().build();
    }

    /** Tries to take one token from the fleet-wide bucket {@code name}. Never waits for tokens. */
    public Outcome tryTake(String name, Rate rate) {
        RedisTokenBucket b = bucket(name, rate);
        if (b.tryAcquire()) {
            return new Outcome.Taken();
        }
        if (b.unavailableCount() > 0) {
            unavailable.increment();
            return new Outcome.Unavailable("the fleet's rate limit (Redis at " + backend.uri() + ") is unreachable");
        }
        try {
            return new Outcome.Empty(b.nanosUntilAvailable(1));
        } catch (RedisUnavailableException e) {
            unavailable.increment();
            return new Outcome.Empty(1_000_000_000L);
        }
    }

    /** Decisions that found Redis unreachable (each refused). */
    public long unavailable() {
        return unavailable.sum();
    }

    /**
     * The per-client buckets as the {@link KeyedLimiter} sluice-http's admission control takes: refuses
     * (null) when the client's bucket is empty, throws {@link RedisUnavailableException} (a
     * {@link dev.sluice.BusyException}, so admission answers 503) when Redis cannot be reached.
     */
    public KeyedLimiter<String> perClient(Rate rate) {
        Objects.requireNonNull(rate, "rate");
        return new KeyedLimiter<>() {
            @Override
            public Permit tryAcquire(String key) {
                return tryAcquire(key, 1);
            }

            @Override
            public Permit tryAcquire(String key, int weight) {
                RedisTokenBucket b = bucket(clientName(key), rate);
                if (b.tryAcquire(weight)) {
                    return Permit.ofSpentTokens(weight);
                }
                if (b.unavailableCount() > 0) {
                    unavailable.increment();
                    throw new RedisUnavailableException("the fleet's per-client rate limit (Redis at " + backend.uri()
                            + ") is unreachable", null);
                }
                return null;
            }

            @Override
            public Permit acquire(String key, Context context) throws InterruptedException {
                return acquire(key, context, 1);
            }

            @Override
            public Permit acquire(String key, Context context, int weight) throws InterruptedException {
                bucket(clientName(key), rate).acquire(context, weight);
                return Permit.ofSpentTokens(weight);
            }

            @Override
            public long nanosUntilAvailable(String key, int weight) {
                return bucket(clientName(key), rate).nanosUntilAvailable(weight);
            }

            @Override
            public int size() {
                return 0; // no entry is held in this JVM: the buckets live in Redis
            }

            @Override
            public int maxKeys() {
                return 0;
            }

            @Override
            public long evictions() {
                return 0;
            }

            @Override
            public void cleanUp() {
                // nothing held here; idle buckets expire in Redis by themselves
            }
        };
    }

    static String clientName(String key) {
        Objects.requireNonNull(key, "key");
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "client:" + HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
