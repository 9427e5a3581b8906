package dev.sluice.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RetryBudgetTest {

    private final AtomicLong now = new AtomicLong(-5_000_000_000L); // nanoTime may be negative

    private RetryBudget budget(double ratio, int reserve) {
        return RetryBudget.builder().ratio(ratio).reserve(reserve).window(Duration.ofSeconds(10)).buckets(10)
                .clock(now::get).build();
    }

    @Test
    void grantsRetriesUpToTheRatioOfRequestsInTheWindow() {
        RetryBudget b = budget(0.1, 0);
        for (int i = 0; i < 100; i++) {
            b.recordRequest();
        }
        int granted = 0;
        while (b.tryAcquireRetry()) {
            granted++;
        }
        assertThat(granted).isEqualTo(10);
        assertThat(b.snapshot()).isEqualTo(new RetryBudget.Snapshot(100, 10, 1));
    }

    @Test
    void reserveAllowsAFewRetriesWithoutTraffic() {
        RetryBudget b = budget(0.1, 3);
        assertThat(b.tryAcquireRetry()).isTrue();
        assertThat(b.tryAcquireRetry()).isTrue();
        assertThat(b.tryAcquireRetry()).isTrue();
        assertThat(b.tryAcquireRetry()).isFalse();
    }

    @Test
    void oldRequestsAndRetriesLeaveTheWindowAsItSlides() {
        RetryBudget b = budget(0.5, 0);
        for (int i = 0; i < 10; i++) {
            b.recordRequest();
        }
        for (int i = 0; i < 5; i++) {
            assertThat(b.tryAcquireRetry()).isTrue();
        }
        assertThat(b.tryAcquireRetry()).isFalse();
        now.addAndGet(Duration.ofSeconds(9).toNanos()); // still inside the 10 s window
        assertThat(b.tryAcquireRetry()).isFalse();
        now.addAndGet(Duration.ofSeconds(1).toNanos()); // the first bucket has left the window
        assertThat(b.snapshot().requests()).isZero();
        assertThat(b.tryAcquireRetry()).isFalse(); // no requests, no reserve: nothing to spend
        b.recordRequest();
        b.recordRequest();
        assertThat(b.tryAcquireRetry()).isTrue();
        assertThat(b.tryAcquireRetry()).isFalse();
        now.addAndGet(Duration.ofDays(400).toNanos()); // a long idle gap clears every bucket
        assertThat(b.snapshot().requests()).isZero();
        assertThat(b.snapshot().retries()).isZero();
    }

    @Test
    void budgetIsNeverExceededInAnyWindowUnderRandomLoad() {
        double ratio = 0.1;
        int reserve = 2;
        long bucket = Duration.ofSeconds(1).toNanos();
        RetryBudget b = budget(ratio, reserve);
        long origin = now.get();
        SplittableRandom rnd = new SplittableRandom(7);
        List<long[]> events = new ArrayList<>(); // {bucket index, 0 = request / 1 = retry}
        int granted = 0;
        for (int step = 0; step < 200_000; step++) {
            now.addAndGet(rnd.nextLong(2_000_000L)); // ~1 ms apart on average: ~1000 events per bucket
            long idx = Math.floorDiv(now.get() - origin, bucket);
            if (rnd.nextInt(3) == 0) {
                b.recordRequest();
                events.add(new long[] {idx, 0});
            } else if (b.tryAcquireRetry()) {
                granted++;
                events.add(new long[] {idx, 1});
                // Independent count over the same window: this bucket and the nine before it.
                long req = 0;
                long ret = 0;
                for (int i = events.size() - 1; i >= 0 && events.get(i)[0] > idx - 10; i--) {
                    if (events.get(i)[1] == 0) {
                        req++;
                    } else {
                        ret++;
                    }
                }
                assertThat((double) ret).as("retries in the window at step %d", step).isLessThanOrEqualTo(ratio * req + reserve);
            }
        }
        assertThat(granted).isPositive();
    }

    @Test
    void concurrentCallersNeverExceedTheBudget() throws Exception {
        RetryBudget b = budget(0.1, 5); // the clock stands still: one window
        int threads = 4;
        LongAdder granted = new LongAdder();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 50_000; i++) {
                    if (i % 4 == 0) {
                        b.recordRequest();
                    } else if (b.tryAcquireRetry()) {
                        granted.increment();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread t : ts) {
            t.join(Duration.ofSeconds(30));
            assertThat(t.isAlive()).isFalse();
        }
        long requests = threads * 50_000L / 4;
        assertThat(b.snapshot().requests()).isEqualTo(requests);
        assertThat(granted.sum()).isEqualTo(b.snapshot().retries()).isLessThanOrEqualTo((long) (0.1 * requests) + 5);
        assertThat(granted.sum()).isGreaterThan(0);
    }

    @Test
    void retryStormAgainstADeadDownstreamAddsAtMostTheBudgetedLoad() throws Exception {
        RetryBudget b = budget(0.1, 0);
        RetryPolicy p = RetryPolicy.builder().maxAttempts(5).budget(b).clock(now::get)
                .pause((ctx, nanos) -> now.addAndGet(nanos)).initialDelay(Duration.ofMillis(1))
                .maxDelay(Duration.ofMillis(1)).build();
        LongAdder attempts = new LongAdder();
        int calls = 1_000;
        for (int i = 0; i < calls; i++) {
            try {
                p.call(Context.background(), ctx -> {
                    attempts.increment();
                    throw new IOException("down");
                });
            } catch (IOException expected) {
                // the downstream is dead
            }
        }
        // Without the budget this would be 5,000 attempts; with it, at most 10% more than the calls.
        assertThat(attempts.sum()).isLessThanOrEqualTo((long) (calls * 1.1));
        assertThat(attempts.sum()).isGreaterThan(calls);
    }

    @Test
    void builderRejectsBadSettings() {
        assertThatThrownBy(() -> RetryBudget.builder().ratio(-0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryBudget.builder().ratio(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryBudget.builder().window(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryBudget.builder().buckets(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryBudget.builder().reserve(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
