package dev.sluice.limit.internal;

import dev.sluice.Context;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.KeyedLimiter;
import dev.sluice.limit.Permit;
import dev.sluice.limit.TokenBucket;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** The engine behind {@link KeyedLimiter}: a striped, bounded, access-ordered table. */
public final class KeyedLimiterImpl<K> implements KeyedLimiter<K> {

    /*
     * Each stripe is a LinkedHashMap in access order under its own ReentrantLock, with an exact share of
     * maxKeys as its capacity, so the sum of the stripes never exceeds maxKeys. The lock is held only to
     * find or insert an entry, never while a caller waits on the per-key limiter. Eviction and idle
     * expiry look at a few eldest entries per insertion (bounded work per operation).
     */

    /** How many of the eldest entries an insertion inspects for expiry or a fresh victim. */
    private static final int SCAN = 8;
    private static final int MAX_STRIPES = 64;

    private final Stripe<K>[] stripes;
    private final int maxKeys;
    private final long idleNanos;
    private final LongSupplier clock;
    private final Supplier<TokenBucket> buckets;
    private final Supplier<ConcurrencyLimiter> limiters;
    private final LongAdder evictions = new LongAdder();
    private final long maxWeight;

    @SuppressWarnings({"unchecked", "rawtypes"})
    public KeyedLimiterImpl(int maxKeys, long idleNanos, LongSupplier clock, Supplier<TokenBucket> buckets,
                            Supplier<ConcurrencyLimiter> limiters, long maxWeight) {
        this.maxKeys = maxKeys;
        this.maxWeight = maxWeight;
        this.idleNanos = idleNanos;
        this.clock = clock;
        this.buckets = buckets;
        this.limiters = limiters;
        int n = Math.min(MAX_STRIPES, Integer.highestOneBit(Math.max(1, maxKeys / 16)));
        stripes = new Stripe[n];
        for (int i = 0; i < n; i++) {
            stripes[i] = new Stripe<>(maxKeys / n + (i < maxKeys % n ? 1 : 0));
        }
    }

    private static final class Stripe<K> {
        final ReentrantLock lock = new ReentrantLock();
        final LinkedHashMap<K, Entry> map = new LinkedHashMap<>(16, 0.75f, true);
        final int capacity;

        Stripe(int capacity) {
            this.capacity = capacity;
        }
    }

    private static final class Entry {
        final Object limiter; // TokenBucketImpl or ConcurrencyLimiterImpl
        long lastUsed;

        Entry(Object limiter, long lastUsed) {
            this.limiter = limiter;
            this.lastUsed = lastUsed;
        }

        boolean isFresh() {
            if (limiter instanceof TokenBucketImpl b) {
                return b.isFull();
            }
            ConcurrencyLimiter c = (ConcurrencyLimiter) limiter;
            return c.inflight() == 0 && c.waiting() == 0;
        }
    }

    private Stripe<K> stripe(Object key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        return stripes[h & (stripes.length - 1)];
    }

    private Object limiterFor(K key) {
        Objects.requireNonNull(key, "key");
        Stripe<K> s = stripe(key);
        long now = clock.getAsLong();
        s.lock.lock();
        try {
            Entry e = s.map.get(key);
            if (e != null) {
                e.lastUsed = now;
                return e.limiter;
            }
            expireLocked(s, now);
            if (s.map.size() >= s.capacity) {
                evictOneLocked(s);
            }
            e = new Entry(buckets != null ? buckets.get() : limiters.get(), now);
            s.map.put(key, e);
            return e.limiter;
        } finally {
            s.lock.unlock();
        }
    }

    private void expireLocked(Stripe<K> s, long now) {
        Iterator<Entry> it = s.map.values().iterator();
        for (int i = 0; i < SCAN && it.hasNext(); i++) {
            Entry e = it.next();
            if (now - e.lastUsed < idleNanos) {
                return; // access order: the rest were used more recently
            }
            it.remove();
            evictions.increment();
        }
    }

    private void evictOneLocked(Stripe<K> s) {
        Iterator<Entry> it = s.map.values().iterator();
        for (int i = 0; i < SCAN && it.hasNext(); i++) {
            if (it.next().isFresh()) {
                it.remove();
                evictions.increment();
                return;
            }
        }
        Iterator<Map.Entry<K, Entry>> eldest = s.map.entrySet().iterator();
        eldest.next();
        eldest.remove();
        evictions.increment();
    }

    @Override
    public Permit tryAcquire(K key) {
        return tryAcquire(key, 1);
    }

    @Override
    public Permit tryAcquire(K key, int weight) {
        checkWeight(weight);
        Object l = limiterFor(key);
        if (l instanceof TokenBucket b) {
            return b.tryAcquire(weight) ? new SpentTokens(weight) : null;
        }
        return ((ConcurrencyLimiter) l).tryAcquire(weight);
    }

    @Override
    public Permit acquire(K key, Context context) throws InterruptedException {
        return acquire(key, context, 1);
    }

    @Override
    public Permit acquire(K key, Context context, int weight) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        checkWeight(weight);
        Object l = limiterFor(key);
        if (l instanceof TokenBucket b) {
            b.acquire(context, weight);
            return new SpentTokens(weight);
        }
        return ((ConcurrencyLimiter) l).acquire(context, weight);
    }

    @Override
    public long nanosUntilAvailable(K key, int weight) {
        Objects.requireNonNull(key, "key");
        checkWeight(weight);
        Stripe<K> s = stripe(key);
        Object l;
        s.lock.lock();
        try {
            Entry e = s.map.get(key);
            l = e == null ? null : e.limiter;
        } finally {
            s.lock.unlock();
        }
        if (buckets != null) {
            if (l == null) {
                return 0L; // a new key gets a full bucket
            }
            return ((TokenBucket) l).nanosUntilAvailable(weight);
        }
        if (l == null) {
            return 0L;
        }
        ConcurrencyLimiter c = (ConcurrencyLimiter) l;
        int inflight = c.inflight();
        return c.waiting() == 0 && (inflight == 0 || inflight + weight <= c.limit()) ? 0L : -1L;
    }

    @Override
    public int size() {
        int n = 0;
        for (Stripe<K> s : stripes) {
            s.lock.lock();
            try {
                n += s.map.size();
            } finally {
                s.lock.unlock();
            }
        }
        return n;
    }

    @Override
    public int maxKeys() {
        return maxKeys;
    }

    @Override
    public long evictions() {
        return evictions.sum();
    }

    @Override
    public void cleanUp() {
        long now = clock.getAsLong();
        for (Stripe<K> s : stripes) {
            s.lock.lock();
            try {
                s.map.values().removeIf(e -> {
                    boolean idle = now - e.lastUsed >= idleNanos;
                    if (idle) {
                        evictions.increment();
                    }
                    return idle;
                });
            } finally {
                s.lock.unlock();
            }
        }
    }

    /** Checked before an entry is made, so a malformed request leaves the table untouched. */
    private void checkWeight(int weight) {
        if (weight < 1 || weight > maxWeight) {
            throw new IllegalArgumentException("weight must be in [1, " + maxWeight + "], was " + weight);
        }
    }

    @Override
    public String toString() {
        return "KeyedLimiter[" + (buckets != null ? "token buckets" : "concurrency") + ", size=" + size() + ", maxKeys=" + maxKeys + "]";
    }
}
