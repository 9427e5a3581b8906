package dev.sluice.limit;

import static dev.sluice.limit.Threads.awaitCondition;
import static dev.sluice.limit.Threads.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TokenBucketTest {

    private static final long MS = 1_000_000L;

    /** 10 tokens per second (one per 100 ms), burst 5. */
    private static TokenBucket bucket(FakeClock clock) {
        return TokenBucket.builder().rate(10, Duration.ofSeconds(1)).burst(5).clock(clock).build();
    }

    @Test
    void aFullBucketAllowsItsBurstThenRefuses() {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        assertThat(b.availableTokens()).isEqualTo(5);
        assertThat(b.tryAcquire(3)).isTrue();
        assertThat(b.tryAcquire(2)).isTrue();
        assertThat(b.tryAcquire()).isFalse();
        assertThat(b.availableTokens()).isZero();
    }

    @Test
    void aFailedTryAcquireTakesNothing() {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        b.tryAcquire(4);
        assertThat(b.tryAcquire(2)).isFalse();
        assertThat(b.tryAcquire(1)).isTrue();
    }

    @Test
    void tokensRefillAtTheRateAndNeverBeyondTheBurst() {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        b.tryAcquire(5);
        clock.advance(Duration.ofMillis(99));
        assertThat(b.tryAcquire()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(b.tryAcquire()).isTrue();
        assertThat(b.tryAcquire()).isFalse();
        clock.advance(Duration.ofHours(1));
        assertThat(b.availableTokens()).isEqualTo(5);
        assertThat(b.tryAcquire(5)).isTrue();
        assertThat(b.tryAcquire()).isFalse();
    }

    @Test
    void anEmptyBucketStartsWithNoTokens() {
        FakeClock clock = new FakeClock();
        TokenBucket b = TokenBucket.builder().rate(10, Duration.ofSeconds(1)).burst(5).initiallyFull(false).clock(clock).build();
        assertThat(b.tryAcquire()).isFalse();
        assertThat(b.nanosUntilAvailable(1)).isEqualTo(100 * MS);
    }

    @Test
    void nanosUntilAvailableIsExactForRetryAfter() {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        assertThat(b.nanosUntilAvailable(5)).isZero();
        b.tryAcquire(5);
        assertThat(b.nanosUntilAvailable(1)).isEqualTo(100 * MS);
        assertThat(b.nanosUntilAvailable(3)).isEqualTo(300 * MS);
        assertThat(b.timeUntilAvailable(5)).isEqualTo(Duration.ofMillis(500));
        clock.advance(Duration.ofMillis(250));
        assertThat(b.nanosUntilAvailable(3)).isEqualTo(50 * MS);
        assertThat(b.availableTokens()).isEqualTo(2);
    }

    @Test
    void malformedRequestsAndSettingsAreRejected() {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        assertThatThrownBy(() -> b.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.tryAcquire(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.tryAcquire(6)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("burst=5");
        assertThatThrownBy(() -> b.acquire(Context.background(), 6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.nanosUntilAvailable(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.acquire((Context) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> TokenBucket.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> TokenBucket.builder().rate(0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.builder().rate(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.builder().rate(2_000_000_000L, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.builder().burst(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.builder().rate(1, Duration.ofDays(1)).burst(Long.MAX_VALUE / 2).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(b.availableTokens()).isEqualTo(5);
    }

    @Test
    void acquireDoesNotReturnBeforeItsTokensExistOnTheBucketClock() throws Throwable {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        b.tryAcquire(5);
        CountDownLatch done = new CountDownLatch(1);
        Threads.Running<Void> w = start(() -> {
            b.acquire(Context.background(), 2); // needs 200 ms of refill
            done.countDown();
            return null;
        });
        awaitCondition("reservation made", () -> b.nanosUntilAvailable(1) == 300 * MS);
        clock.advance(Duration.ofMillis(199));
        // A negative check, not synchronisation: the waiter must still be waiting a while later.
        assertThat(done.await(50, TimeUnit.MILLISECONDS)).isFalse();
        clock.advance(Duration.ofMillis(1));
        w.join();
        assertThat(b.tryAcquire()).isFalse();
    }

    @Test
    void acquireWaitsAsLongAsTheTokensNeedOnTheRealClock() throws Throwable {
        TokenBucket b = TokenBucket.builder().rate(20, Duration.ofSeconds(1)).burst(1).build(); // 50 ms per token
        b.tryAcquire();
        long start = System.nanoTime();
        b.acquire(Context.background(), 1);
        long waited = System.nanoTime() - start;
        assertThat(waited).isGreaterThanOrEqualTo(45 * MS).isLessThan(5_000 * MS);
    }

    @Test
    void waitersAreServedInTheOrderTheyReserved() throws Throwable {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        b.tryAcquire(5);
        AtomicInteger order = new AtomicInteger();
        Threads.Running<Integer> first = start(() -> {
            b.acquire(1);
            return order.incrementAndGet();
        });
        awaitCondition("first reserved", () -> b.nanosUntilAvailable(1) == 200 * MS);
        Threads.Running<Integer> second = start(() -> {
            b.acquire(1);
            return order.incrementAndGet();
        });
        awaitCondition("second reserved", () -> b.nanosUntilAvailable(1) == 300 * MS);
        clock.advance(Duration.ofMillis(100));
        assertThat(first.join()).isEqualTo(1);
        clock.advance(Duration.ofMillis(100));
        assertThat(second.join()).isEqualTo(2);
    }

    @Test
    void aWaitThatWouldOutliveTheDeadlineIsRefusedAtOnceAndTakesNothing() {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        b.tryAcquire(5);
        Context ctx = Context.background().withTimeout(Duration.ofMillis(50)); // tokens need 100 ms
        assertThatThrownBy(() -> b.acquire(ctx, 1)).isInstanceOf(DeadlineExceededException.class)
                .hasMessageContaining("after the context's deadline");
        assertThat(b.nanosUntilAvailable(1)).isEqualTo(100 * MS);
    }

    @Test
    void timedTryAcquireReturnsFalseAtOnceWhenTheTimeoutIsTooShort() throws Exception {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        b.tryAcquire(5);
        assertThat(b.tryAcquire(1, Duration.ofMillis(99))).isFalse();
        assertThat(b.tryAcquire(1, Duration.ZERO)).isFalse();
        assertThat(b.nanosUntilAvailable(1)).isEqualTo(100 * MS);
        clock.advance(Duration.ofMillis(100));
        assertThat(b.tryAcquire(1, Duration.ZERO)).isTrue();
    }

    @Test
    void aDoneContextThrowsBeforeTakingAnything() {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        assertThatThrownBy(() -> b.acquire(ctx, 1)).isInstanceOf(CancelledException.class);
        assertThat(b.availableTokens()).isEqualTo(5);
    }

    @Test
    void cancellingAWaiterWakesItAndGivesItsReservationBack() throws Throwable {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        b.tryAcquire(5);
        CancellableContext ctx = Context.background().withCancel();
        Threads.Running<Void> w = start(() -> {
            b.acquire(ctx, 3);
            return null;
        });
        awaitCondition("reserved", () -> b.nanosUntilAvailable(1) == 400 * MS);
        ctx.cancel();
        assertThat(w.failure()).isInstanceOf(CancelledException.class);
        assertThat(b.nanosUntilAvailable(1)).isEqualTo(100 * MS);
    }

    @Test
    void interruptingAWaiterThrowsAndGivesItsReservationBack() throws Throwable {
        FakeClock clock = new FakeClock();
        TokenBucket b = bucket(clock);
        b.tryAcquire(5);
        Threads.Running<Boolean> w = start(() -> {
            try {
                b.acquire(2);
                return false;
            } catch (InterruptedException e) {
                return !Thread.currentThread().isInterrupted();
            }
        });
        awaitCondition("reserved", () -> b.nanosUntilAvailable(1) == 300 * MS);
        w.thread.interrupt();
        assertThat(w.join()).as("interrupt status cleared").isTrue();
        assertThat(b.nanosUntilAvailable(1)).isEqualTo(100 * MS);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> b.acquire(1)).isInstanceOf(InterruptedException.class);
        assertThat(b.nanosUntilAvailable(1)).isEqualTo(100 * MS);
    }

    @Test
    void racingThreadsNeverTakeMoreTokensThanTheBucketHolds() throws Throwable {
        FakeClock clock = new FakeClock(); // stands still: exactly the burst can be taken
        int burst = 1_000 * Threads.stressScale();
        TokenBucket b = TokenBucket.builder().rate(1, Duration.ofSeconds(1)).burst(burst).clock(clock).build();
        AtomicInteger taken = new AtomicInteger();
        List<Threads.Running<Void>> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(start(() -> {
                for (int i = 0; i < burst; i++) {
                    if (b.tryAcquire()) {
                        taken.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Threads.Running<Void> r : threads) {
            r.join();
        }
        assertThat(taken.get()).isEqualTo(burst);
        assertThat(b.availableTokens()).isZero();
    }
}
