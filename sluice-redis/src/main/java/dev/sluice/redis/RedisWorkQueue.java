package dev.sluice.redis;

import static dev.sluice.redis.RedisTokenBucket.bytes;

import dev.sluice.ClosedException;
import dev.sluice.Context;
import dev.sluice.redis.internal.Calls;
import dev.sluice.redis.internal.Lua;
import dev.sluice.redis.internal.Script;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded, durable work queue shared by a fleet of JVMs, on one Redis stream with one consumer group.
 * Producers {@linkplain #submit submit}; {@linkplain #worker workers} in any JVM take jobs, run them and
 * acknowledge them.
 *
 * <p><b>Bounded fleet-wide.</b> The backlog is every job accepted and not yet acknowledged or
 * dead-lettered: waiting in the stream plus held by workers. It is a counter kept by the same atomic
 * scripts that add and remove jobs, and the enqueue script refuses a job when the backlog is at
 * {@linkplain Builder#capacity capacity}, so the bound holds whatever the number of producers. Nothing
 * is ever trimmed ({@code XADD MAXLEN} would drop the oldest work silently).
 *
 * <table class="striped">
 * <caption>The forms of submit</caption>
 * <thead><tr><th></th><th>{@link #submit(Object)}</th><th>{@link #trySubmit(Object)}</th>
 * <th>{@link #submit(Context, Object)}</th></tr></thead>
 * <tbody>
 * <tr><th>room</th><td>accepts, returns the id</td><td>accepts, true</td><td>accepts, returns the id</td></tr>
 * <tr><th>full</th><td>waits for room</td><td>false</td><td>waits for room or the context</td></tr>
 * <tr><th>closed (before or while waiting)</th><td colspan="3">{@link ClosedException}</td></tr>
 * <tr><th>interrupted while waiting</th><td>{@link InterruptedException}</td><td>(never waits)</td><td>{@link InterruptedException}</td></tr>
 * <tr><th>context done</th><td>-</td><td>-</td><td>{@link dev.sluice.DeadlineExceededException} /
 * {@link dev.sluice.CancelledException}</td></tr>
 * <tr><th>Redis unavailable</th><td colspan="3">{@link RedisUnavailableException}</td></tr>
 * <tr><th>null, or payload too large</th><td colspan="3">{@link NullPointerException} /
 * {@link IllegalArgumentException}</td></tr>
 * </tbody>
 * </table>
 *
 * A waiting submit asks again with exponential backoff (1 ms doubling to 50 ms), each ask one round trip;
 * waiting submitters are not ordered among themselves. A submit that returned (an id, or true) accepted
 * the job: it is in Redis, and with the persistence setting below it survives a Redis restart. A submit
 * that threw did not accept it, except that a {@link RedisUnavailableException} caused by a lost reply
 * may hide an accepted job (the client cannot know), which is then delivered like any other.
 *
 * <p><b>At-least-once.</b> A job is acknowledged, and only then removed (XACK, XDEL and the backlog in one
 * script), after its handler returned. A job can therefore run more than once, exactly in these cases:
 * its worker died, stalled or was partitioned from Redis for longer than the
 * {@linkplain Builder#visibilityTimeout visibility timeout} (another worker reclaims it with
 * {@code XAUTOCLAIM}; the first may still finish it too); its handler finished but the acknowledgement
 * did not reach Redis (the job is reclaimed after the timeout); its worker was {@linkplain
 * RedisWorker#abort() aborted} while the handler ran (the job is given back and the interrupted handler
 * may have done part or all of its work); its handler threw (an attempt that failed, retried up to
 * {@linkplain Builder#maxAttempts maxAttempts}). Duplicates are never created by submitting: each accepted
 * submit is one job. A live worker renews its hold on the jobs it has (every third of the visibility
 * timeout), so a slow job is not reclaimed while its worker is alive and connected.
 *
 * <p><b>Dead letters.</b> A job whose attempts (failures plus deliveries lost with their holder) reach
 * {@code maxAttempts}, or whose payload cannot be decoded, moves to the dead-letter stream with its last
 * error ({@link #deadLetters(int)}); that stream keeps about the newest
 * {@linkplain Builder#deadLetterLength deadLetterLength} entries.
 *
 * <p><b>Durability.</b> For an accepted submit and an acknowledgement to survive a Redis crash or
 * restart, run Redis with {@code appendonly yes} and {@code appendfsync always}: Redis then writes each
 * script's effects to the append-only file and fsyncs it before replying. With {@code appendfsync
 * everysec} (Redis's default for AOF) up to a second of accepted jobs, and of acknowledgements (jobs
 * would then run again), can be lost; with RDB snapshots only, everything since the last snapshot.
 * Replication to a replica is asynchronous and gives no such guarantee on fail-over.
 *
 * <p>Thread-safe. {@link #close()} refuses later submits; it does not stop workers.
 *
 * @param <T> the payload type
 */
public final class RedisWorkQueue<T> implements AutoCloseable {
    private static final long MIN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    final RedisBackend backend;
    final Calls calls;
    final Codec<T> codec;
    final String name;
    final byte[] stream;
    final byte[] backlogKey;
    final byte[] deadKey;
    final byte[][] keys;
    final byte[] group;
    final int capacity;
    final byte[] capacityArg;
    final int maxAttempts;
    final Duration visibilityTimeout;
    final int deadLetterLength;
    final int maxPayloadBytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RedisWorkQueue(Builder<T> b) {
        this.backend = b.backend;
        this.calls = backend.calls();
        this.codec = b.codec;
        this.name = b.name;
        String base = "sluice:queue:{" + b.name + "}:";
        this.stream = bytes(base + "stream");
        this.backlogKey = bytes(base + "backlog");
        this.deadKey = bytes(base + "dead");
        this.keys = new byte[][] {stream, backlogKey, deadKey};
        this.group = bytes("workers");
        this.capacity = b.capacity;
        this.capacityArg = bytes(Integer.toString(b.capacity));
        this.maxAttempts = b.maxAttempts;
        this.visibilityTimeout = b.visibilityTimeout;
        this.deadLetterLength = b.deadLetterLength;
        this.maxPayloadBytes = b.maxPayloadBytes;
        createGroup();
    }

    /** A builder for a queue of payloads written with {@code codec}. */
    public static <T> Builder<T> builder(Codec<T> codec) {
        return new Builder<>(codec);
    }

    private void createGroup() {
        CompletableFuture<String> f = backend.async().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group,
                XGroupCreateArgs.Builder.mkstream()).toCompletableFuture();
        try {
            f.get(calls.commandTimeoutNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof RedisCommandExecutionException x && String.valueOf(x.getMessage()).startsWith("BUSYGROUP"))) {
                throw calls.classify("queue " + name + ": creating the consumer group", e.getCause());
            }
        } catch (TimeoutException e) {
            throw calls.unavailable("queue " + name + ": no reply creating the consumer group", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw calls.unavailable("queue " + name + ": interrupted creating the consumer group", e);
        }
    }

    /** Submits {@code job}, waiting as long as it takes for room. */
    public String submit(T job) throws InterruptedException {
        return submit(Context.background(), job);
    }

    /**
     * Submits {@code job}, waiting for room until the context is done.
     *
     * @return the job's stream id
     * @throws ClosedException if the queue is or becomes closed
     * @throws dev.sluice.ContextDoneException if the context is done before the job is accepted
     * @throws InterruptedException if interrupted while waiting for room
     * @throws RedisUnavailableException if Redis cannot be reached or does not answer in time
     */
    public String submit(Context context, T job) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        byte[] payload = encode(job);
        ensureOpen();
        context.throwIfDone();
        long pause = MIN_PAUSE_NANOS;
        Thread me = Thread.currentThread();
        try (Context.Registration r = context.onDone(() -> LockSupport.unpark(me))) {
            while (true) {
                String id = enqueue(payload, context);
                if (id != null) {
                    return id;
                }
                long until = System.nanoTime() + pause;
                while (true) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                    context.throwIfDone();
                    ensureOpen();
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    LockSupport.parkNanos(this, left);
                }
                pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
            }
        }
    }

    /**
     * Submits {@code job} if the backlog has room now; never waits for room (one round trip, bounded by
     * the command timeout).
     *
     * @return true if accepted, false if the queue is full
     * @throws ClosedException if the queue is closed
     * @throws RedisUnavailableException if Redis cannot be reached or does not answer in time
     */
    public boolean trySubmit(T job) {
        byte[] payload = encode(job);
        ensureOpen();
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    return enqueue(payload, Context.background()) != null;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String enqueue(byte[] payload, Context context) throws InterruptedException {
        Object r = calls.await(Lua.ENQUEUE.run(backend.async(), new byte[][] {stream, backlogKey}, capacityArg, payload),
                context, "queue " + name);
        r = Script.scalar(r);
        return r == null ? null : new String((byte[]) r, StandardCharsets.UTF_8);
    }

    private byte[] encode(T job) {
        Objects.requireNonNull(job, "job");
        byte[] payload = codec.encode(job);
        if (payload == null) {
            throw new IllegalArgumentException("queue " + name + ": the codec encoded a job as null");
        }
        if (payload.length > maxPayloadBytes) {
            throw new IllegalArgumentException("queue " + name + ": payload of " + payload.length
                    + " bytes is larger than maxPayloadBytes " + maxPayloadBytes);
        }
        return payload;
    }

    /** Jobs accepted and not yet acknowledged or dead-lettered, fleet-wide (one round trip). */
    public long backlog() {
        byte[] v = calls.awaitUninterruptibly(backend.async().get(backlogKey).toCompletableFuture(), "queue " + name);
        return v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
    }

    /** The newest dead letters, at most {@code max}, newest first. */
    public List<DeadLetter> deadLetters(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, was " + max);
        }
        List<StreamMessage<byte[], byte[]>> msgs = calls.awaitUninterruptibly(backend.async()
                .xrevrange(deadKey, Range.create("-", "+"), io.lettuce.core.Limit.from(max)).toCompletableFuture(), "queue " + name);
        List<DeadLetter> out = new ArrayList<>(msgs.size());
        for (StreamMessage<byte[], byte[]> m : msgs) {
            byte[] p = null;
            String orig = "";
            String err = "";
            int attempts = 0;
            for (Map.Entry<byte[], byte[]> e : m.getBody().entrySet()) {
                switch (new String(e.getKey(), StandardCharsets.UTF_8)) {
                    case "p" -> p = e.getValue();
                    case "id" -> orig = new String(e.getValue(), StandardCharsets.UTF_8);
                    case "err" -> err = new String(e.getValue(), StandardCharsets.UTF_8);
                    case "a" -> attempts = Integer.parseInt(new String(e.getValue(), StandardCharsets.UTF_8));
                    default -> { }
                }
            }
            out.add(new DeadLetter(new String(m.getId().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), orig, p, attempts, err));
        }
        return out;
    }

    /** Starts a worker in this JVM; see {@link RedisWorker}. */
    public RedisWorker<T> worker(RedisWorker.Options options, JobHandler<T> handler) {
        return new RedisWorker<>(this, options, handler);
    }

    /** The queue's name. */
    public String name() {
        return name;
    }

    /** The fleet-wide bound on the backlog. */
    public int capacity() {
        return capacity;
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Refuses later submits (and wakes waiting ones with {@link ClosedException}). Workers are not affected. Idempotent. */
    @Override
    public void close() {
        closed.set(true);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ClosedException("queue " + name + " is closed");
        }
    }

    /** Builds a {@link RedisWorkQueue}. Not thread-safe; fails fast on bad values. */
    public static final class Builder<T> {
        private final Codec<T> codec;
        private RedisBackend backend;
        private String name;
        private int capacity;
        private int maxAttempts = 5;
        private Duration visibilityTimeout = Duration.ofSeconds(30);
        private int deadLetterLength = 10_000;
        private int maxPayloadBytes = 1 << 20;

        private Builder(Codec<T> codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
        }

        /** The Redis server. Required. */
        public Builder<T> backend(RedisBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** The queue's name; every producer and worker with this name shares it. Required. */
        public Builder<T> name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || name.length() > 200 || name.chars().anyMatch(c -> c < 0x21 || c == '{' || c == '}')) {
                throw new IllegalArgumentException("name must be 1-200 visible characters without braces, was '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /** The most jobs accepted and not yet finished, fleet-wide (at least 1). Required. */
        public Builder<T> capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        /** Attempts before a job goes to the dead-letter stream (default 5, at least 1). */
        public Builder<T> maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, was " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** How long a job may be held without its worker renewing the hold before others reclaim it (default 30 s, at least 100 ms). */
        public Builder<T> visibilityTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.compareTo(Duration.ofMillis(100)) < 0) {
                throw new IllegalArgumentException("visibilityTimeout must be at least 100 ms, was " + timeout);
            }
            this.visibilityTimeout = timeout;
            return this;
        }

        /** About how many dead letters are kept (default 10,000). */
        public Builder<T> deadLetterLength(int length) {
            if (length < 1) {
                throw new IllegalArgumentException("deadLetterLength must be at least 1, was " + length);
            }
            this.deadLetterLength = length;
            return this;
        }

        /** The largest encoded payload accepted (default 1 MiB). */
        public Builder<T> maxPayloadBytes(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxPayloadBytes must be at least 1, was " + max);
            }
            this.maxPayloadBytes = max;
            return this;
        }

        /** Creates the stream and consumer group if needed. @throws RedisUnavailableException if Redis cannot be reached */
        public RedisWorkQueue<T> build() {
            if (backend == null || name == null || capacity == 0) {
                throw new IllegalStateException("backend, name and capacity are required");
            }
            return new RedisWorkQueue<>(this);
        }
    }
}
