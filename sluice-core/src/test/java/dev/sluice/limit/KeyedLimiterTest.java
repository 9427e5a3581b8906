package dev.sluice.limit;

import static dev.sluice.limit.Threads.awaitCondition;
import static dev.sluice.limit.Threads.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class KeyedLimiterTest {

    private static KeyedLimiter<String> buckets(FakeClock clock, int maxKeys) {
        return KeyedLimiter.<String>builder().maxKeys(maxKeys).idleTimeout(Duration.ofMinutes(1)).clock(clock)
                .tokenBucket(2, Duration.ofSeconds(1), 2).build();
    }

    @Test
    void eachKeyHasItsOwnBucket() {
        FakeClock clock = new FakeClock();
        KeyedLimiter<String> limiter = buckets(clock, 100);
        assertThat(limiter.tryAcquire("alice")).isNotNull();
        assertThat(limiter.tryAcquire("alice", 1)).isNotNull();
        assertThat(limiter.tryAcquire("alice")).isNull();
        assertThat(limiter.tryAcquire("bob")).isNotNull();
        assertThat(limiter.nanosUntilAvailable("alice", 1)).isEqualTo(500_000_000L);
        assertThat(limiter.nanosUntilAvailable("carol", 1)).as("unknown key: full bucket").isZero();
        assertThat(limiter.size()).isEqualTo(2);
    }

    @Test
    void aFloodOfDistinctKeysNeverHoldsMoreThanMaxKeysEntries() {
        FakeClock clock = new FakeClock();
        int maxKeys = 1_000;
        KeyedLimiter<String> limiter = buckets(clock, maxKeys);
        int keys = 1_000_000;
        for (int i = 0; i < keys; i++) {
            limiter.tryAcquire("k" + i);
            if (i % 10_000 == 0) {
                assertThat(limiter.size()).isLessThanOrEqualTo(maxKeys);
            }
        }
        assertThat(limiter.size()).isLessThanOrEqualTo(maxKeys).isGreaterThan(maxKeys / 2);
        assertThat(limiter.evictions()).isGreaterThanOrEqualTo(keys - maxKeys);
    }

    @Test
    void aFloodOfAMillionKeysFitsInASmallHeapInAForkedJvm() throws Exception {
        Path out = Files.createTempFile("keyed-flood", ".txt");
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    KeyedFloodMain.class.getName(), "1000000", "10000")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertThat(p.waitFor(50, TimeUnit.SECONDS)).as("forked JVM finished").isTrue();
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("exit status; output: %s", lines).isZero();
            String[] f = lines.get(lines.size() - 1).trim().split(" ");
            int maxSize = Integer.parseInt(f[0]);
            long heapUsed = Long.parseLong(f[2]);
            assertThat(maxSize).isLessThanOrEqualTo(10_000);
            // 10,000 entries take roughly 2 MB; a million would not fit in the 32 MB heap at all.
            assertThat(heapUsed).as("heap used after GC").isLessThan(16L << 20);
            System.out.println("keyed flood: 1,000,000 keys, maxKeys 10,000 -> max size " + maxSize
                    + ", heap after GC " + (heapUsed >> 10) + " KiB (-Xmx32m)");
        } finally {
            new File(out.toString()).delete();
        }
    }

    @Test
    void idleKeysExpire() {
        FakeClock clock = new FakeClock();
        KeyedLimiter<String> limiter = buckets(clock, 100);
        for (int i = 0; i < 20; i++) {
            limiter.tryAcquire("idle-" + i);
        }
        clock.advance(Duration.ofSeconds(30));
        limiter.tryAcquire("recent");
        clock.advance(Duration.ofSeconds(31));
        limiter.cleanUp();
        assertThat(limiter.size()).isEqualTo(1);
        assertThat(limiter.evictions()).isEqualTo(20);
    }

    @Test
    void evictionPrefersEntriesWhoseStateIsFresh() {
        FakeClock clock = new FakeClock();
        KeyedLimiter<String> limiter = buckets(clock, 2); // one stripe, two entries
        limiter.tryAcquire("busy", 2); // empty bucket: evicting it would hand out a fresh burst
        limiter.tryAcquire("light");
        clock.advance(Duration.ofSeconds(1)); // "light" refills to full; "busy" is still short
        limiter.tryAcquire("busy"); // touch nothing: denied or not, "busy" becomes most recent
        clock.advance(Duration.ofMillis(1));
        limiter.tryAcquire("newcomer");
        assertThat(limiter.size()).isEqualTo(2);
        // "busy" kept its state: its bucket is still not full, so nanosUntilAvailable is exact, not 0.
        assertThat(limiter.nanosUntilAvailable("busy", 2)).isPositive();
    }

    @Test
    void evictionFallsBackToTheLeastRecentlyUsedEntry() {
        FakeClock clock = new FakeClock();
        KeyedLimiter<String> limiter = buckets(clock, 2);
        limiter.tryAcquire("a", 2);
        limiter.tryAcquire("b", 2);
        limiter.tryAcquire("c", 2); // neither is fresh: "a" (least recently used) goes
        assertThat(limiter.size()).isEqualTo(2);
        assertThat(limiter.nanosUntilAvailable("a", 1)).as("a was evicted: a new key starts full").isZero();
        assertThat(limiter.nanosUntilAvailable("b", 1)).isPositive();
    }

    @Test
    void concurrencyModeLimitsEachKeySeparatelyAndReleasesPermits() throws Throwable {
        KeyedLimiter<Integer> limiter = KeyedLimiter.<Integer>builder().concurrency(2).maxKeys(50).build();
        Permit a1 = limiter.tryAcquire(1);
        Permit a2 = limiter.tryAcquire(1);
        assertThat(limiter.tryAcquire(1)).isNull();
        assertThat(limiter.nanosUntilAvailable(1, 1)).isEqualTo(-1);
        assertThat(limiter.tryAcquire(2)).isNotNull();
        Threads.Running<Permit> w = start(() -> limiter.acquire(1, Context.background()));
        awaitCondition("waiter parked", () -> Threads.isParked(w.thread));
        a1.close();
        Permit a3 = w.join();
        a2.close();
        a3.close();
        assertThat(limiter.nanosUntilAvailable(1, 2)).isZero();
    }

    @Test
    void blockingAcquireForAKeyHonoursCancellation() throws Throwable {
        KeyedLimiter<String> limiter = KeyedLimiter.<String>builder().concurrency(1).build();
        Permit held = limiter.tryAcquire("k");
        CancellableContext ctx = Context.background().withCancel();
        Threads.Running<Permit> w = start(() -> limiter.acquire("k", ctx));
        awaitCondition("waiter parked", () -> Threads.isParked(w.thread));
        ctx.cancel();
        assertThat(w.failure()).isInstanceOf(CancelledException.class);
        held.close();
        assertThat(limiter.tryAcquire("k")).isNotNull();
    }

    @Test
    void tokenBucketModeWaitsForTokensWithAContext() throws Throwable {
        FakeClock clock = new FakeClock();
        KeyedLimiter<String> limiter = buckets(clock, 10);
        limiter.tryAcquire("k", 2);
        Threads.Running<Permit> w = start(() -> limiter.acquire("k", Context.background()));
        awaitCondition("reserved", () -> limiter.nanosUntilAvailable("k", 1) == 1_000_000_000L);
        clock.advance(Duration.ofMillis(500));
        Permit p = w.join();
        assertThat(p.weight()).isEqualTo(1);
        p.close();
        p.close();
        assertThat(p.isReleased()).isTrue();
    }

    @Test
    void malformedArgumentsAreRejected() {
        KeyedLimiter<String> limiter = buckets(new FakeClock(), 10);
        assertThatThrownBy(() -> limiter.tryAcquire(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> limiter.tryAcquire("k", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire("k", 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquire("k", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> KeyedLimiter.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> KeyedLimiter.builder().concurrency(1).tokenBucket(1, Duration.ofSeconds(1), 1))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> KeyedLimiter.builder().maxKeys(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyedLimiter.builder().idleTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyedLimiter.builder().concurrency(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.size()).isZero();
    }
}
