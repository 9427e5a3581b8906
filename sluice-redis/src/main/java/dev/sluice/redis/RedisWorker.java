package dev.sluice.redis;

import static dev.sluice.redis.RedisTokenBucket.bytes;

import dev.sluice.pool.DrainReport;
import dev.sluice.redis.internal.Lua;
import dev.sluice.redis.internal.Script;
import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A consumer of a {@link RedisWorkQueue} in this JVM: one fetcher thread and a fixed number of handler
 * threads around a bounded local buffer.
 *
 * <p><b>Credit.</b> The worker holds at most {@linkplain Options#capacity capacity} unacknowledged jobs
 * (buffered plus running). The fetcher asks Redis for exactly as many as it has room for
 * ({@code XREADGROUP ... COUNT n}, and {@code XAUTOCLAIM ... COUNT n} for reclaimed ones), never more, so a
 * slow worker leaves the rest of the backlog to faster ones. Every third of the visibility timeout it
 * renews its hold on the jobs it has ({@code XCLAIM ... JUSTID} to itself) and, at the same rate, reclaims
 * jobs idle past the timeout from holders that stopped (crashed, stalled, partitioned).
 *
 * <p><b>Running.</b> Each job runs on a handler thread. Returning acknowledges it; throwing gives it back
 * with one attempt more, or dead-letters it at the queue's limit; a payload the codec cannot decode is
 * dead-lettered at once. Jobs of one worker start in the order fetched; across workers there is no order.
 * While Redis is unavailable the fetcher backs off (100 ms) and retries; an acknowledgement that fails
 * leaves the job held, to be reclaimed and run again after the visibility timeout (counted in
 * {@link #ackFailures()}).
 *
 * <p><b>Stopping.</b> {@link #drain(Duration)} stops fetching and lets the held jobs finish within the
 * grace period; what is left then is given back as by abort. {@link #abort()} stops fetching, interrupts
 * the handlers and gives every held, unacknowledged job back to the stream at once (acknowledged and
 * re-added, attempt count unchanged) so other workers take it without waiting for the visibility
 * timeout. Both end the worker's threads.
 *
 * <p>Memory consistency: actions of the submitter before a submit happen-before nothing here (the
 * payload is copied through Redis); actions of a handler happen-before the acknowledgement is sent.
 *
 * @param <T> the payload type
 */
public final class RedisWorker<T> {

    /**
     * How a worker runs.
     *
     * @param consumer the consumer's name in the group (unique per worker; a restarted worker may reuse it)
     * @param threads handler threads (at least 1)
     * @param capacity the most unacknowledged jobs held at once (at least {@code threads})
     * @param virtualThreads whether handlers are virtual threads
     */
    public record Options(String consumer, int threads, int capacity, boolean virtualThreads) {
        public Options {
            Objects.requireNonNull(consumer, "consumer");
            if (consumer.isEmpty()) {
                throw new IllegalArgumentException("consumer must not be empty");
            }
            if (threads < 1 || threads > 10_000) {
                throw new IllegalArgumentException("threads must be in [1, 10000], was " + threads);
            }
            if (capacity < threads || capacity > 100_000) {
                throw new IllegalArgumentException("capacity must be in [threads, 100000], was " + capacity);
            }
        }

        /** A worker with a random consumer name, {@code threads} platform handlers and twice as much credit. */
        public static Options of(int threads) {
            return new Options("w-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()), threads, threads * 2, false);
        }
    }

    private enum State { RUNNING, DRAINING, ABORTED }

    private record Item(String id, byte[] payload, int attempt) { }

    private final RedisWorkQueue<T> q;
    private final Options options;
    private final JobHandler<T> handler;
    private final byte[] consumer;
    private final StatefulRedisConnection<byte[], byte[]> readConnection;
    private final Semaphore room;
    private final ArrayBlockingQueue<Item> buffer;
    private final ConcurrentHashMap<String, Item> held = new ConcurrentHashMap<>();
    private final Thread fetcher;
    private final List<Thread> handlers = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private volatile State state = State.RUNNING;
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder reclaimed = new LongAdder();
    private final LongAdder ackFailures = new LongAdder();
    private final LongAdder fetchErrors = new LongAdder();
    private final LongAdder givenBack = new LongAdder();
    private final long renewEveryNanos;
    private byte[] reclaimCursor = bytes("0-0");

    RedisWorker(RedisWorkQueue<T> queue, Options options, JobHandler<T> handler) {
        this.q = queue;
        this.options = Objects.requireNonNull(options, "options");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.consumer = bytes(options.consumer());
        this.readConnection = queue.backend.newConnection();
        this.room = new Semaphore(options.capacity());
        this.buffer = new ArrayBlockingQueue<>(options.capacity());
        this.renewEveryNanos = queue.visibilityTimeout.toNanos() / 3;
        Thread.Builder tb = options.virtualThreads() ? Thread.ofVirtual() : Thread.ofPlatform();
        for (int i = 0; i < options.threads(); i++) {
            handlers.add(tb.name("sluice-redis-" + queue.name + "-" + options.consumer() + "-" + i).start(this::handleLoop));
        }
        this.fetcher = Thread.ofPlatform().name("sluice-redis-" + queue.name + "-" + options.consumer() + "-fetch").start(this::fetchLoop);
    }

    private void fetchLoop() {
        long nextRenew = System.nanoTime();
        try {
            while (state == State.RUNNING) {
                try {
                    long now = System.nanoTime();
                    boolean maintenance = now - nextRenew >= 0;
                    if (maintenance) {
                        renewHolds();
                        nextRenew = now + renewEveryNanos;
                    }
                    int credit = room.drainPermits();
                    if (credit == 0) {
                        if (!room.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                        credit = 1 + room.drainPermits();
                    }
                    int got = 0;
                    try {
                        if (maintenance) {
                            got += reclaim(credit);
                        }
                        if (got < credit && state == State.RUNNING) {
                            got += read(credit - got);
                        }
                    } finally {
                        room.release(credit - got);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    fetchErrors.increment();
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        } finally {
            readConnection.closeAsync();
        }
    }

    private int read(int n) {
        List<StreamMessage<byte[], byte[]>> msgs = readConnection.sync().xreadgroup(Consumer.from(q.group, consumer),
                XReadArgs.Builder.count(n).block(100), XReadArgs.StreamOffset.lastConsumed(q.stream));
        for (StreamMessage<byte[], byte[]> m : msgs) {
            byte[] p = new byte[0];
            int a = 0;
            for (Map.Entry<byte[], byte[]> e : m.getBody().entrySet()) {
                String k = new String(e.getKey(), StandardCharsets.UTF_8);
                if (k.equals("p")) {
                    p = e.getValue();
                } else if (k.equals("a")) {
                    a = parseInt(e.getValue());
                }
            }
            accept(new Item(m.getId(), p, a + 1));
        }
        return msgs.size();
    }

    private int reclaim(int n) {
        Object r = q.calls.awaitUninterruptibly(Lua.RECLAIM.run(q.backend.async(), q.keys, q.group, consumer,
                bytes(Long.toString(q.visibilityTimeout.toMillis())), reclaimCursor, bytes(Integer.toString(n)),
                bytes(Integer.toString(q.maxAttempts)), bytes(Integer.toString(q.deadLetterLength))), "queue " + q.name);
        List<?> out = (List<?>) r;
        reclaimCursor = (byte[]) out.get(0);
        int got = 0;
        for (int i = 1; i + 1 < out.size(); i += 2) {
            String id = new String((byte[]) out.get(i), StandardCharsets.UTF_8);
            List<?> f = (List<?>) out.get(i + 1);
            byte[] p = new byte[0];
            int a = 0;
            for (int j = 0; j + 1 < f.size(); j += 2) {
                String k = new String((byte[]) f.get(j), StandardCharsets.UTF_8);
                if (k.equals("p")) {
                    p = (byte[]) f.get(j + 1);
                } else if (k.equals("a")) {
                    a = parseInt((byte[]) f.get(j + 1));
                }
            }
            reclaimed.increment();
            accept(new Item(id, p, a + 2));
            got++;
        }
        return got;
    }

    private void accept(Item item) {
        held.put(item.id, item);
        if (!buffer.offer(item)) {
            throw new IllegalStateException("buffer over its credit: a bug");
        }
    }

    private void renewHolds() {
        if (held.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(held.keySet());
        q.calls.awaitUninterruptibly(q.backend.async().xclaim(q.stream, Consumer.from(q.group, consumer),
                XClaimArgs.Builder.justid().minIdleTime(0), ids.toArray(String[]::new)).toCompletableFuture(), "queue " + q.name);
    }

    private void handleLoop() {
        while (true) {
            Item item;
            try {
                item = buffer.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (state == State.ABORTED) {
                    return;
                }
                continue;
            }
            if (item == null) {
                if (state != State.RUNNING && !fetcher.isAlive() && buffer.isEmpty()) {
                    return;
                }
                continue;
            }
            if (state == State.ABORTED) {
                return; // abort gives it back
            }
            running.incrementAndGet();
            try {
                runOne(item);
            } finally {
                running.decrementAndGet();
                held.remove(item.id);
                room.release();
            }
        }
    }

    private void runOne(Item item) {
        T payload;
        try {
            payload = q.codec.decode(item.payload);
        } catch (RuntimeException e) {
            giveBack(item, q.maxAttempts, q.maxAttempts, "malformed payload: " + describe(e));
            return;
        }
        try {
            handler.handle(new Delivery<>(item.id, payload, item.attempt));
        } catch (Throwable e) {
            if (state == State.ABORTED) {
                return; // abort gives it back
            }
            failed.increment();
            giveBack(item, item.attempt, q.maxAttempts, describe(e));
            if (e instanceof Error err && !(e instanceof AssertionError)) {
                throw err;
            }
            return;
        }
        try {
            q.calls.awaitUninterruptibly(Lua.ACK.run(q.backend.async(), new byte[][] {q.stream, q.backlogKey}, q.group,
                    bytes(item.id)), "queue " + q.name);
            completed.increment();
        } catch (RuntimeException e) {
            ackFailures.increment();
        }
    }

    /** Returns 1 requeued, 2 dead-lettered, 0 nothing, -1 Redis unavailable. */
    private int giveBack(Item item, int attempts, int max, String error) {
        try {
            Object r = q.calls.awaitUninterruptibly(Lua.REQUEUE.run(q.backend.async(), q.keys, q.group, bytes(item.id),
                    bytes(Integer.toString(attempts)), bytes(Integer.toString(max)), bytes(error),
                    bytes(Integer.toString(q.deadLetterLength))), "queue " + q.name);
            int code = (int) ((Number) Script.scalar(r)).longValue();
            if (code == 2) {
                deadLettered.increment();
            }
            return code;
        } catch (RuntimeException e) {
            ackFailures.increment();
            return -1;
        }
    }

    private static String describe(Throwable e) {
        String s = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return s.length() > 1000 ? s.substring(0, 1000) : s;
    }

    private static int parseInt(byte[] b) {
        try {
            return Integer.parseInt(new String(b, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Stops fetching, lets the held jobs finish for at most {@code grace}, then gives back whatever is
     * left (as {@link #abort()}) and ends the threads.
     *
     * @return ran (acknowledged by this worker, ever), failed, still running and given back (notStarted)
     *         at the end of the grace period, and whether every thread ended
     */
    public DrainReport drain(Duration grace) throws InterruptedException {
        Objects.requireNonNull(grace, "grace");
        if (state == State.RUNNING) {
            state = State.DRAINING;
        }
        long end = System.nanoTime() + Math.max(0L, grace.toNanos());
        fetcher.interrupt();
        fetcher.join(Math.max(1L, TimeUnit.NANOSECONDS.toMillis(Math.max(1L, end - System.nanoTime()))));
        while (!held.isEmpty() && System.nanoTime() - end < 0) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(5));
        }
        int stillRunning = running.get();
        int left = held.isEmpty() ? 0 : abort();
        boolean terminated = joinAll(Duration.ofSeconds(5));
        return new DrainReport(completed.sum(), failed.sum(), stillRunning, left, terminated);
    }

    /**
     * Stops fetching, interrupts the running handlers and gives every held, unacknowledged job back to the
     * stream for other workers. Returns how many were given back. Idempotent (later calls return 0).
     */
    public int abort() {
        state = State.ABORTED;
        fetcher.interrupt();
        try {
            fetcher.join(Duration.ofSeconds(3)); // so that nothing it is fetching now escapes the snapshot
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Item> snapshot = new ArrayList<>(held.values());
        for (Thread t : handlers) {
            t.interrupt();
        }
        int n = 0;
        for (Item item : snapshot) {
            // A job whose handler finished meanwhile was acknowledged: its give-back finds nothing to do.
            if (giveBack(item, item.attempt - 1, Integer.MAX_VALUE, "aborted") == 1) {
                n++;
            }
        }
        held.clear();
        buffer.clear();
        givenBack.add(n);
        return n;
    }

    private boolean joinAll(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        boolean all = true;
        List<Thread> threads = new ArrayList<>(handlers);
        threads.add(fetcher);
        for (Thread t : threads) {
            long left = end - System.nanoTime();
            if (left > 0) {
                t.join(Duration.ofNanos(left));
            }
            all &= !t.isAlive();
        }
        return all;
    }

    /** Waits for the worker's threads to end after {@link #abort()} or {@link #drain}; true if they did. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return joinAll(timeout);
    }

    /** Jobs this worker finished and acknowledged. */
    public long completed() {
        return completed.sum();
    }

    /** Handler failures (each gave its job back or dead-lettered it). */
    public long failed() {
        return failed.sum();
    }

    /** Jobs this worker moved to the dead-letter stream (failures and malformed payloads). */
    public long deadLettered() {
        return deadLettered.sum();
    }

    /** Jobs this worker reclaimed from holders that stopped. */
    public long reclaimed() {
        return reclaimed.sum();
    }

    /** Acknowledgements or give-backs that did not reach Redis (their jobs will run again). */
    public long ackFailures() {
        return ackFailures.sum();
    }

    /** Fetches that failed (Redis unavailable); the fetcher backed off and retried. */
    public long fetchErrors() {
        return fetchErrors.sum();
    }

    /** Unacknowledged jobs this worker holds now (buffered and running); never more than its capacity. */
    public int held() {
        return held.size();
    }

    /** This worker's options. */
    public Options options() {
        return options;
    }
}
