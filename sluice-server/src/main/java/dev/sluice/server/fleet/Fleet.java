package dev.sluice.server.fleet;

import dev.sluice.redis.RedisBackend;
import dev.sluice.redis.RedisUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * This server's connection to its fleet's Redis: the {@link RedisBackend} the queue and the buckets use,
 * a name for this instance, and its <em>reply stream</em>, through which whichever instance ran a job
 * tells the instance that accepted it how it ended ({@code POST /jobs?wait=true} and {@code GET
 * /jobs/{id}} are answered by the accepting instance).
 *
 * <p><b>Reply streams.</b> One stream per instance, {@code sluice:fleet:{QUEUE}:replies:INSTANCE}. The
 * worker that ran a job appends one entry (ticket, outcome, result, run time, attempt) before it
 * acknowledges the job, so a reply can be sent twice (the job ran twice) but a job is never acknowledged
 * without one. Each stream keeps about the newest {@code kept} entries ({@code XADD MAXLEN ~}: these are
 * reports, not work; an accepting instance that fell that far behind marks the jobs whose reports it
 * missed failed after a horizon) and expires {@link #REPLY_TTL} after its last entry, so the streams of
 * instances that are gone cost Redis nothing for long.
 *
 * <p>Every call is bounded by the command timeout; while Redis is unreachable the calls fail at once with
 * {@link RedisUnavailableException}. Thread-safe. Close it after the runner and the admission that use it.
 */
public final class Fleet implements AutoCloseable {

    /** How long a reply stream outlives its last entry. */
    public static final Duration REPLY_TTL = Duration.ofMinutes(30);
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    private final FleetConfig config;
    private final String instance;
    private final RedisBackend backend;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Fleet(FleetConfig config, String instance, RedisBackend backend, RedisClient client,
            StatefulRedisConnection<String, String> connection) {
        this.config = config;
        this.instance = instance;
        this.backend = backend;
        this.client = client;
        this.connection = connection;
    }

    /**
     * Connects to the fleet's Redis.
     *
     * @throws RedisUnavailableException if Redis cannot be reached; nothing is left open
     */
    public static Fleet connect(FleetConfig config) {
        Objects.requireNonNull(config, "config");
        String instance = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(0, 12);
        RedisBackend backend = RedisBackend.builder(config.uri()).commandTimeout(COMMAND_TIMEOUT)
                .connectTimeout(COMMAND_TIMEOUT).build();
        RedisClient client = null;
        try {
            client = client(config.uri());
            StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8);
            return new Fleet(config, instance, backend, client, c);
        } catch (RuntimeException e) {
            backend.close();
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
            throw new RedisUnavailableException("cannot connect to " + config.uri() + ": " + e.getMessage(), e);
        }
    }

    /** A Lettuce client that rejects commands while disconnected (never buffers them) and times every call out. */
    static RedisClient client(String uri) {
        RedisURI u = RedisURI.create(uri);
        u.setTimeout(COMMAND_TIMEOUT);
        RedisClient c = RedisClient.create(u);
        c.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).requestQueueSize(10_000)
                .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT)).build());
        return c;
    }

    public FleetConfig config() {
        return config;
    }

    /** This instance's name in the fleet (random per process, 12 hex digits). */
    public String instance() {
        return instance;
    }

    /** The backend the queue and the buckets share. */
    public RedisBackend backend() {
        return backend;
    }

    /** The key of {@code instance}'s reply stream. */
    public static String replyStream(String queue, String instance) {
        return "sluice:fleet:{" + queue + "}:replies:" + instance;
    }

    public String myReplyStream() {
        return replyStream(config.queue(), instance);
    }

    /**
     * Appends a reply to {@code origin}'s stream and renews the stream's expiry (pipelined, one round
     * trip's wait).
     *
     * @throws RedisUnavailableException if Redis did not take it in time
     */
    public void reply(String origin, Map<String, String> fields, long kept) {
        String key = replyStream(config.queue(), origin);
        var async = connection.async();
        CompletableFuture<String> add = async.xadd(key, XAddArgs.Builder.maxlen(kept).approximateTrimming(), fields)
                .toCompletableFuture();
        CompletableFuture<Boolean> ttl = async.expire(key, REPLY_TTL.toSeconds()).toCompletableFuture();
        await(add, "sending a job's reply to instance " + origin);
        await(ttl, "renewing the reply stream of instance " + origin);
    }

    private <T> T await(CompletableFuture<T> f, String what) {
        try {
            return f.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisUnavailableException(what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new RedisUnavailableException(what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new RedisUnavailableException(what + ": no reply from Redis within " + COMMAND_TIMEOUT.toMillis() + " ms", e);
        }
    }

    /** A reader of this instance's reply stream, on a connection of its own (its reads block). */
    public ReplyReader replyReader() {
        return new ReplyReader(client, myReplyStream());
    }

    /** Reads one reply stream from a position, blocking at most {@code blockMillis} per read. */
    public static final class ReplyReader implements AutoCloseable {
        private final RedisClient client;
        private final String stream;
        private StatefulRedisConnection<String, String> conn;
        private String last = "0-0";

        ReplyReader(RedisClient client, String stream) {
            this.client = client;
            this.stream = stream;
        }

        /** The next replies (possibly none); throws a Lettuce exception if Redis is unreachable. */
        public List<StreamMessage<String, String>> next(int count, long blockMillis) {
            if (conn == null || !conn.isOpen()) {
                conn = client.connect(StringCodec.UTF8);
            }
            List<StreamMessage<String, String>> msgs = conn.sync().xread(
                    XReadArgs.Builder.count(count).block(blockMillis), XReadArgs.StreamOffset.from(stream, last));
            if (!msgs.isEmpty()) {
                last = msgs.get(msgs.size() - 1).getId();
            }
            return msgs;
        }

        @Override
        public void close() {
            if (conn != null) {
                conn.closeAsync();
            }
        }
    }

    /** Closes the connections and the backend. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        backend.close();
    }
}
