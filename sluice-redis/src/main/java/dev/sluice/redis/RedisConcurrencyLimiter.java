package dev.sluice.redis;

import static dev.sluice.redis.RedisTokenBucket.bytes;

import dev.sluice.Context;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.LimiterClosedException;
import dev.sluice.limit.Permit;
import dev.sluice.limit.WaitQueueFullException;
import dev.sluice.redis.internal.Calls;
import dev.sluice.redis.internal.Lua;
import dev.sluice.redis.internal.Script;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ConcurrencyLimiter} shared by every JVM that builds one with the same {@linkplain Builder#name
 * name} on the same Redis: at most {@link #limit()} units are held across the whole fleet. It implements
 * the in-process interface, so a service switches by configuration.
 *
 * <p><b>Permits are leases.</b> Redis keeps a sorted set of holders, each with an expiry computed from the
 * server's {@code TIME} (never a client's clock). A holder that dies without releasing gives its units
 * back when its lease expires ({@linkplain Builder#lease lease}, default 10 s). A live holder keeps its
 * leases: one renewal thread per limiter (not per permit) extends all of this instance's leases in one
 * round trip every third of the lease. A lease that expired anyway (this JVM was paused longer than the
 * lease, or Redis was unreachable for that long) is counted in {@link #leasesLost()}; the permit's later
 * release is then harmless.
 *
 * <p><b>Cost.</b> An acquire that is admitted at once, and a release, are one round trip each (EVALSHA of
 * a cached script that also reaps expired leases).
 *
 * <p><b>Waiting.</b> The fleet has no shared wait queue: a caller that does not fit waits locally and
 * asks again with exponential backoff (1 ms doubling to {@linkplain Builder#maxPollInterval 20 ms}),
 * earlier when a permit of this instance is released. Waiters of one instance are not ordered against
 * those of another, and the non-blocking forms do not defer to waiters. At most
 * {@linkplain Builder#maxWaiters maxWaiters} callers of this instance wait at once; one more gets a
 * {@link WaitQueueFullException}. Interrupt, context, close and malformed-weight behaviour is the
 * interface's. A permit granted by Redis after its caller stopped waiting (timeout, interrupt) is
 * released again at once when the late reply arrives.
 *
 * <p><b>Redis unavailable</b>: {@link FailureMode#FAIL_CLOSED} (default) makes the non-blocking forms
 * return null and the blocking forms throw {@link RedisUnavailableException};
 * {@link FailureMode#FAIL_OPEN} takes the permit from the local {@linkplain Builder#failOpen fallback}
 * limiter instead. Counted in {@link #unavailableCount()}. No call waits past its context deadline or the
 * backend's command timeout.
 *
 * <p>{@link #inflight()} and {@link #waiting()} describe this instance; {@link #fleetInflight()} asks
 * Redis. The permits' outcome reports ({@link Permit#releaseDropped()}) do not adapt a fleet-wide limit:
 * the limit is fixed. Memory consistency: as the interface, for permits released and acquired within
 * this JVM.
 */
public final class RedisConcurrencyLimiter implements ConcurrencyLimiter {
    private static final int MAX_WEIGHT = 1_000_000;
    private static final int RENEW_BATCH = 512;

    private final RedisBackend backend;
    private final Calls calls;
    private final String name;
    private final byte[][] keys;
    private final int limit;
    private final byte[] limitArg;
    private final long leaseUs;
    private final long renewEveryNanos;
    private final int maxWaiters;
    private final long maxPollNanos;
    private final FailureMode mode;
    private final ConcurrencyLimiter fallback;
    private final String idPrefix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ":"; // members are weight:prefix:n
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentHashMap<String, RedisPermit> held = new ConcurrentHashMap<>();
    private final AtomicInteger localInflight = new AtomicInteger();
    private final AtomicInteger waiters = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder unavailable = new LongAdder();
    private final LongAdder leasesLost = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final Thread renewer;

    private RedisConcurrencyLimiter(Builder b) {
        this.backend = b.backend;
        this.calls = backend.calls();
        this.name = b.name;
        String base = "sluice:permits:{" + b.name + "}:";
        this.keys = new byte[][] {bytes(base + "leases"), bytes(base + "used")};
        this.limit = b.limit;
        this.limitArg = bytes(Integer.toString(b.limit));
        this.leaseUs = TimeUnit.NANOSECONDS.toMicros(b.lease.toNanos());
        this.renewEveryNanos = b.lease.toNanos() / 3;
        this.maxWaiters = b.maxWaiters;
        this.maxPollNanos = b.maxPollInterval.toNanos();
        this.mode = b.mode;
        this.fallback = b.fallback;
        this.renewer = Thread.ofPlatform().daemon().name("sluice-lease-renewer-" + name).unstarted(this::renewLoop);
        renewer.start();
    }

    /** A builder; {@link Builder#backend}, {@link Builder#name} and {@link Builder#limit} are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Permit acquire() throws InterruptedException {
        return acquire(Context.background(), 1);
    }

    @Override
    public Permit acquire(int weight) throws InterruptedException {
        return acquire(Context.background(), weight);
    }

    @Override
    public Permit acquire(Context context) throws InterruptedException {
        return acquire(context, 1);
    }

    @Override
    public Permit acquire(Context context, int weight) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        checkWeight(weight);
        Permit p = waitFor(context, weight, true);
        return p;
    }

    @Override
    public Permit tryAcquire() {
        return tryAcquire(1);
    }

    @Override
    public Permit tryAcquire(int weight) {
        checkWeight(weight);
        ensureOpen();
        try {
            return attemptUninterruptibly(weight);
        } catch (RedisUnavailableException e) {
            unavailable.increment();
            return mode == FailureMode.FAIL_OPEN ? fallback.tryAcquire(weight) : null;
        }
    }

    @Override
    public Permit tryAcquire(Duration timeout) throws InterruptedException {
        return tryAcquire(1, timeout);
    }

    @Override
    public Permit tryAcquire(int weight, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        checkWeight(weight);
        long nanos = timeout.isNegative() ? 0L : Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        try {
            return waitFor(Context.background().withTimeout(Duration.ofNanos(nanos)), weight, false);
        } catch (dev.sluice.DeadlineExceededException e) {
            return null;
        }
    }

    private Permit waitFor(Context context, int weight, boolean throwUnavailable) throws InterruptedException {
        ensureOpen();
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        context.throwIfDone();
        Permit p;
        try {
            p = attempt(context, weight);
        } catch (RedisUnavailableException e) {
            return unavailable(context, weight, e, throwUnavailable);
        }
        if (p != null) {
            return p;
        }
        if (waiters.incrementAndGet() > maxWaiters) {
            waiters.decrementAndGet();
            throw new WaitQueueFullException("limiter " + name + ": " + maxWaiters + " callers are already waiting");
        }
        Thread me = Thread.currentThread();
        try (Context.Registration r = context.onDone(() -> LockSupport.unpark(me))) {
            long pause = TimeUnit.MILLISECONDS.toNanos(1);
            while (true) {
                lock.lock();
                try {
                    long left = pause;
                    while (left > 0 && !context.isDone() && !closed.get()) {
                        left = released.awaitNanos(left);
                        if (left > 0) {
                            break; // a local release: ask again now
                        }
                    }
                } finally {
                    lock.unlock();
                }
                ensureOpen();
                context.throwIfDone();
                try {
                    p = attempt(context, weight);
                } catch (RedisUnavailableException e) {
                    return unavailable(context, weight, e, throwUnavailable);
                }
                if (p != null) {
                    return p;
                }
                pause = Math.min(pause * 2, maxPollNanos);
            }
        } finally {
            waiters.decrementAndGet();
        }
    }

    private Permit unavailable(Context context, int weight, RedisUnavailableException e, boolean throwIt) throws InterruptedException {
        unavailable.increment();
        if (mode == FailureMode.FAIL_OPEN) {
            return fallback.acquire(context, weight);
        }
        if (throwIt) {
            throw e;
        }
        return null;
    }

    /** One round trip: the permit if it fits now, else null. */
    private Permit attempt(Context context, int weight) throws InterruptedException {
        String id = weight + ":" + idPrefix + ids.incrementAndGet();
        CompletableFuture<Object> f = Lua.LEASES.run(backend.async(), keys, bytes("acquire"), bytes(id),
                bytes(Integer.toString(weight)), limitArg, bytes(Long.toString(leaseUs)));
        Object r;
        try {
            r = calls.await(f, context, "limiter " + name);
        } catch (InterruptedException | RuntimeException e) {
            releaseIfGrantedLate(f, id);
            throw e;
        }
        return granted(r, id, weight);
    }

    private Permit attemptUninterruptibly(int weight) {
        String id = weight + ":" + idPrefix + ids.incrementAndGet();
        CompletableFuture<Object> f = Lua.LEASES.run(backend.async(), keys, bytes("acquire"), bytes(id),
                bytes(Integer.toString(weight)), limitArg, bytes(Long.toString(leaseUs)));
        Object r;
        try {
            r = calls.awaitUninterruptibly(f, "limiter " + name);
        } catch (RuntimeException e) {
            releaseIfGrantedLate(f, id);
            throw e;
        }
        return granted(r, id, weight);
    }

    private Permit granted(Object reply, String id, int weight) {
        if (!(Script.scalar(reply) instanceof Number n) || n.longValue() != 1L) {
            return null;
        }
        RedisPermit p = new RedisPermit(id, weight);
        held.put(id, p);
        localInflight.addAndGet(weight);
        return p;
    }

    private void releaseIfGrantedLate(CompletableFuture<Object> f, String id) {
        f.thenAccept(v -> {
            if (Script.scalar(v) instanceof Number n && n.longValue() == 1L) {
                Lua.LEASES.run(backend.async(), keys, bytes("release"), bytes(id));
            }
        });
    }

    private void release(RedisPermit p) {
        held.remove(p.id);
        localInflight.addAndGet(-p.weight);
        try {
            calls.awaitUninterruptibly(Lua.LEASES.run(backend.async(), keys, bytes("release"), bytes(p.id)), "limiter " + name);
        } catch (RuntimeException e) {
            // The lease then expires on its own; counted, never thrown from close().
            unavailable.increment();
        }
        lock.lock();
        try {
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void renewLoop() {
        while (!(closed.get() && held.isEmpty())) {
            LockSupport.parkNanos(this, renewEveryNanos);
            if (held.isEmpty()) {
                continue;
            }
            List<String> all = new ArrayList<>(held.keySet());
            for (int i = 0; i < all.size(); i += RENEW_BATCH) {
                List<String> batch = all.subList(i, Math.min(all.size(), i + RENEW_BATCH));
                byte[][] args = new byte[batch.size() + 2][];
                args[0] = bytes("renew");
                args[1] = bytes(Long.toString(leaseUs));
                for (int j = 0; j < batch.size(); j++) {
                    args[j + 2] = bytes(batch.get(j));
                }
                try {
                    Object r = calls.awaitUninterruptibly(Lua.LEASES.run(backend.async(), keys, args), "limiter " + name);
                    for (Object lost : (List<?>) r) {
                        String id = new String((byte[]) lost, java.nio.charset.StandardCharsets.UTF_8);
                        if (held.containsKey(id)) {
                            leasesLost.increment();
                        }
                    }
                } catch (RuntimeException e) {
                    unavailable.increment();
                    if (closed.get()) {
                        return; // closed and Redis gone: the leases expire on their own
                    }
                }
            }
        }
    }

    /** Units held across the fleet now, as Redis counts them (one round trip; expired leases are reaped first). */
    public int fleetInflight() {
        Object r = calls.awaitUninterruptibly(Lua.LEASES.run(backend.async(), keys, bytes("peek")), "limiter " + name);
        return (int) ((Number) Script.scalar(r)).longValue();
    }

    /** How many calls found Redis unavailable. */
    public long unavailableCount() {
        return unavailable.sum();
    }

    /** How many of this instance's leases expired while their permits were still held. */
    public long leasesLost() {
        return leasesLost.sum();
    }

    @Override
    public int limit() {
        return limit;
    }

    @Override
    public int inflight() {
        return localInflight.get();
    }

    @Override
    public int waiting() {
        return waiters.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Refuses later acquires and wakes this instance's waiters with {@link LimiterClosedException}. Held
     * permits stay valid and their leases keep being renewed until they are released.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            lock.lock();
            try {
                released.signalAll();
            } finally {
                lock.unlock();
            }
            LockSupport.unpark(renewer);
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new LimiterClosedException("limiter " + name + " is closed");
        }
    }

    private static void checkWeight(int weight) {
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be in [1, " + MAX_WEIGHT + "], was " + weight);
        }
    }

    private final class RedisPermit implements Permit {
        private final String id;
        private final int weight;
        private final AtomicBoolean done = new AtomicBoolean();

        RedisPermit(String id, int weight) {
            this.id = id;
            this.weight = weight;
        }

        @Override
        public void close() {
            releaseIgnored();
        }

        @Override
        public void releaseDropped() {
            releaseIgnored();
        }

        @Override
        public void releaseIgnored() {
            if (done.compareAndSet(false, true)) {
                release(this);
            }
        }

        @Override
        public int weight() {
            return weight;
        }

        @Override
        public boolean isReleased() {
            return done.get();
        }
    }

    /** Builds a {@link RedisConcurrencyLimiter}. Not thread-safe; fails fast on bad values. */
    public static final class Builder {
        private RedisBackend backend;
        private String name;
        private int limit;
        private Duration lease = Duration.ofSeconds(10);
        private int maxWaiters = 1024;
        private Duration maxPollInterval = Duration.ofMillis(20);
        private FailureMode mode = FailureMode.FAIL_CLOSED;
        private ConcurrencyLimiter fallback;

        private Builder() { }

        /** The Redis server holding the leases. Required. */
        public Builder backend(RedisBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** Every instance with this name on this Redis shares one limit. Required. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || name.length() > 200 || name.chars().anyMatch(c -> c < 0x21 || c == '{' || c == '}')) {
                throw new IllegalArgumentException("name must be 1-200 visible characters without braces, was '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /** The most units held across the fleet (at least 1). Required. */
        public Builder limit(int limit) {
            if (limit < 1) {
                throw new IllegalArgumentException("limit must be at least 1, was " + limit);
            }
            this.limit = limit;
            return this;
        }

        /** How long a permit outlives a holder that stopped renewing (default 10 s, at least 100 ms). */
        public Builder lease(Duration lease) {
            Objects.requireNonNull(lease, "lease");
            if (lease.compareTo(Duration.ofMillis(100)) < 0) {
                throw new IllegalArgumentException("lease must be at least 100 ms, was " + lease);
            }
            this.lease = lease;
            return this;
        }

        /** The most callers of this instance that may wait at once (default 1024; 0 means never wait). */
        public Builder maxWaiters(int maxWaiters) {
            if (maxWaiters < 0) {
                throw new IllegalArgumentException("maxWaiters must not be negative, was " + maxWaiters);
            }
            this.maxWaiters = maxWaiters;
            return this;
        }

        /** The longest pause between a waiter's attempts (default 20 ms). */
        public Builder maxPollInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("maxPollInterval must be positive, was " + interval);
            }
            this.maxPollInterval = interval;
            return this;
        }

        /** Fail closed: refuse while Redis is unavailable (the default). */
        public Builder failClosed() {
            this.mode = FailureMode.FAIL_CLOSED;
            this.fallback = null;
            return this;
        }

        /** Fail open to {@code local}: while Redis is unavailable, admit by this in-process limiter. */
        public Builder failOpen(ConcurrencyLimiter local) {
            this.fallback = Objects.requireNonNull(local, "local");
            this.mode = FailureMode.FAIL_OPEN;
            return this;
        }

        /** Starts the limiter's renewal thread. @throws IllegalStateException if backend, name or limit is missing */
        public RedisConcurrencyLimiter build() {
            if (backend == null || name == null || limit == 0) {
                throw new IllegalStateException("backend, name and limit are required");
            }
            return new RedisConcurrencyLimiter(this);
        }
    }
}
