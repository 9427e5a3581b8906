package dev.sluice.redis;

import dev.sluice.redis.internal.Calls;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.Objects;

/**
 * One Redis server as seen by this JVM: a Lettuce client and one shared, pipelined connection, used by
 * every queue and limiter built on it. Commands from many threads share the connection and are
 * pipelined (each thread waits only for its own reply); blocking reads use connections of their own
 * ({@link #newConnection()}), so they never stall the shared one.
 *
 * <p><b>Bounded.</b> Every wait for a reply is bounded by the {@linkplain Builder#commandTimeout command
 * timeout}, shortened to the caller's context deadline. While the connection is down, commands are
 * rejected at once ({@link RedisUnavailableException}) rather than buffered, and the client's request
 * queue is bounded ({@link Builder#requestQueueSize}); Lettuce reconnects in the background.
 * Failures to reach Redis are counted ({@link #unavailableCount()}).
 *
 * <p>Thread-safe. Close it after the queues and limiters that use it.
 */
public final class RedisBackend implements AutoCloseable {
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final Calls calls;
    private final String uri;

    private RedisBackend(Builder b) {
        this.uri = b.uri;
        RedisURI redisUri = RedisURI.create(b.uri);
        redisUri.setTimeout(b.commandTimeout);
        this.client = RedisClient.create(redisUri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(b.requestQueueSize)
                .socketOptions(SocketOptions.builder().connectTimeout(b.connectTimeout).build())
                .timeoutOptions(TimeoutOptions.enabled(b.commandTimeout))
                .build());
        this.calls = new Calls(b.commandTimeout.toNanos());
        try {
            this.connection = client.connect(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            throw calls.unavailable("cannot connect to " + b.uri + ": " + e.getMessage(), e);
        }
    }

    /** Connects to {@code uri} (e.g. {@code redis://127.0.0.1:6379}) with the default settings. */
    public static RedisBackend connect(String uri) {
        return builder(uri).build();
    }

    /** A builder for a backend on {@code uri}. */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    /** How many times Redis could not be reached or did not answer in time, over this backend's life. */
    public long unavailableCount() {
        return calls.unavailableCount();
    }

    /** The server's address as given. */
    public String uri() {
        return uri;
    }

    /** Closes the shared connection and the client. Queues and limiters built on it stop working. */
    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    RedisAsyncCommands<byte[], byte[]> async() {
        return connection.async();
    }

    Calls calls() {
        return calls;
    }

    /** A connection of its own, for blocking commands; the caller closes it. */
    StatefulRedisConnection<byte[], byte[]> newConnection() {
        try {
            return client.connect(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            throw calls.unavailable("cannot connect to " + uri + ": " + e.getMessage(), e);
        }
    }

    /** Builds a {@link RedisBackend}. Not thread-safe. */
    public static final class Builder {
        private final String uri;
        private Duration commandTimeout = Duration.ofSeconds(2);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private int requestQueueSize = 65_536;

        private Builder(String uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /** The longest any call waits for a reply (default 2 s); a context deadline shortens it. */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = positive(timeout, "commandTimeout");
            return this;
        }

        /** The longest a connection attempt takes (default 2 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** The most commands queued in the client at once (default 65,536); more are rejected. */
        public Builder requestQueueSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("requestQueueSize must be at least 1, was " + size);
            }
            this.requestQueueSize = size;
            return this;
        }

        /** Connects. @throws RedisUnavailableException if the server cannot be reached */
        public RedisBackend build() {
            return new RedisBackend(this);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }
    }
}
