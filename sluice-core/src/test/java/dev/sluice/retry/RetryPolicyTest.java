package dev.sluice.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.BusyException;
import dev.sluice.ClosedException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RetryPolicyTest {

    /** A fake clock and a pause that advances it instead of waiting, recording each wait. */
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<Long> pauses = new ArrayList<>();
    private final Pause fakePause = (ctx, nanos) -> {
        ctx.throwIfDone();
        pauses.add(nanos);
        now.addAndGet(nanos);
    };

    private RetryPolicy.Builder fake() {
        return RetryPolicy.builder().clock(now::get).pause(fakePause).random(new SplittableRandom(42));
    }

    private static Operation<String> failing(AtomicInteger calls, int failures, Exception e) {
        return ctx -> {
            if (calls.incrementAndGet() <= failures) {
                throw e;
            }
            return "ok after " + calls.get();
        };
    }

    @Test
    void backoffCapGrowsExponentiallyUpToTheMaximum() {
        RetryPolicy p = fake().initialDelay(Duration.ofMillis(100)).multiplier(2).maxDelay(Duration.ofSeconds(1)).build();
        assertThat(p.backoffCapNanos(1)).isEqualTo(100_000_000L);
        assertThat(p.backoffCapNanos(2)).isEqualTo(200_000_000L);
        assertThat(p.backoffCapNanos(3)).isEqualTo(400_000_000L);
        assertThat(p.backoffCapNanos(4)).isEqualTo(800_000_000L);
        assertThat(p.backoffCapNanos(5)).isEqualTo(1_000_000_000L);
        assertThat(p.backoffCapNanos(1_000)).isEqualTo(1_000_000_000L); // no overflow
        assertThatThrownBy(() -> p.backoffCapNanos(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fullJitterDrawsEachDelayUniformlyBetweenZeroAndTheCap() {
        RetryPolicy p = fake().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(10)).build();
        for (int retry = 1; retry <= 6; retry++) {
            long cap = p.backoffCapNanos(retry);
            double sum = 0;
            long min = Long.MAX_VALUE;
            long max = 0;
            int n = 20_000;
            for (int i = 0; i < n; i++) {
                long d = p.delayNanos(retry);
                assertThat(d).isBetween(0L, cap);
                sum += d;
                min = Math.min(min, d);
                max = Math.max(max, d);
            }
            // Uniform on [0, cap]: mean cap/2, and the draws reach close to both ends.
            assertThat(sum / n / cap).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.02));
            assertThat((double) min / cap).isLessThan(0.01);
            assertThat((double) max / cap).isGreaterThan(0.99);
        }
    }

    @Test
    void retriesAFailingCallUntilItSucceedsWaitingAJitteredBackoffEachTime() throws Exception {
        RetryPolicy p = fake().maxAttempts(5).initialDelay(Duration.ofMillis(100)).build();
        AtomicInteger calls = new AtomicInteger();
        assertThat(p.call(Context.background(), failing(calls, 3, new IOException("flaky")))).isEqualTo("ok after 4");
        assertThat(calls).hasValue(4);
        assertThat(pauses).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(pauses.get(i)).isBetween(0L, p.backoffCapNanos(i + 1));
        }
    }

    @Test
    void stopsAfterMaxAttemptsAndRethrowsTheLatestFailureUnchanged() {
        RetryPolicy p = fake().maxAttempts(3).build();
        AtomicInteger calls = new AtomicInteger();
        IOException boom = new IOException("down");
        assertThatThrownBy(() -> p.call(Context.background(), failing(calls, 100, boom))).isSameAs(boom);
        assertThat(calls).hasValue(3);
        assertThat(pauses).hasSize(2);
    }

    @Test
    void maxAttemptsOfOneNeverRetries() {
        RetryPolicy p = fake().maxAttempts(1).build();
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> p.call(Context.background(), failing(calls, 1, new IOException()))).isInstanceOf(IOException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void shutdownInterruptAndContextFailuresAreNotRetriedByDefaultButOverloadIs() throws Exception {
        RetryPolicy p = fake().maxAttempts(5).build();
        for (Exception e : List.of(new ClosedException("closed"), new ChannelClosedException("closed", null),
                new InterruptedException(), new CancelledException("c"), new DeadlineExceededException("d"))) {
            AtomicInteger calls = new AtomicInteger();
            assertThatThrownBy(() -> p.call(Context.background(), failing(calls, 100, e))).isSameAs(e);
            assertThat(calls).as("%s is not retried", e.getClass().getSimpleName()).hasValue(1);
        }
        AtomicInteger calls = new AtomicInteger();
        assertThat(p.call(Context.background(), failing(calls, 2, new BusyException("busy")))).isEqualTo("ok after 3");
    }

    @Test
    void customPredicateDecidesWhatIsRetried() {
        RetryPolicy p = fake().maxAttempts(5).retryOn(e -> e instanceof IOException).build();
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> p.call(Context.background(), failing(calls, 100, new IllegalStateException())))
                .isInstanceOf(IllegalStateException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void errorsAreNeverRetried() {
        RetryPolicy p = fake().maxAttempts(5).build();
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> p.call(Context.background(), ctx -> {
            calls.incrementAndGet();
            throw new AssertionError("bug");
        })).isInstanceOf(AssertionError.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void maxTotalTimeStopsBeforeAnAttemptThatWouldStartTooLate() {
        // Fixed 100 ms waits (jitter removed by a random that always returns the cap), 250 ms in total:
        // attempts at 0, 100 and 200 ms; a fourth would start at 300 ms, past the limit.
        RetryPolicy p = RetryPolicy.builder().clock(now::get).pause(fakePause).random(new MaxRandom()).maxAttempts(10)
                .initialDelay(Duration.ofMillis(100)).multiplier(1).maxDelay(Duration.ofMillis(100))
                .maxTotalTime(Duration.ofMillis(250)).build();
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> p.call(Context.background(), failing(calls, 100, new IOException())))
                .isInstanceOf(IOException.class);
        assertThat(calls).hasValue(3);
        assertThat(pauses).containsExactly(100_000_000L, 100_000_000L);
    }

    @Test
    void doesNotWaitPastTheContextDeadline() {
        RetryPolicy p = RetryPolicy.builder().random(new MaxRandom()).maxAttempts(10).initialDelay(Duration.ofSeconds(5))
                .pause(fakePause).build();
        AtomicInteger calls = new AtomicInteger();
        IOException boom = new IOException("down");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> p.call(Context.background().withTimeout(Duration.ofSeconds(2)), failing(calls, 100, boom)))
                .isSameAs(boom);
        assertThat(calls).hasValue(1);
        assertThat(pauses).isEmpty();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(2));
    }

    @Test
    void cancellingTheContextEndsTheWaitAtOnce() throws Exception {
        RetryPolicy p = RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMinutes(10))
                .maxDelay(Duration.ofMinutes(10)).random(new MaxRandom()).build(); // real parking pause
        CancellableContext ctx = Context.background().withCancel();
        IOException boom = new IOException("down");
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                p.call(ctx, c -> {
                    throw boom;
                });
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        awaitParked(caller);
        long t0 = System.nanoTime();
        ctx.cancel();
        Throwable e = outcome.get(10, TimeUnit.SECONDS);
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(e).isInstanceOf(CancelledException.class);
        assertThat(e.getSuppressed()).containsExactly(boom);
        caller.join(Duration.ofSeconds(10));
        assertThat(caller.isAlive()).isFalse();
    }

    @Test
    void interruptingTheWaitThrowsInterruptedException() throws Exception {
        RetryPolicy p = RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMinutes(10))
                .maxDelay(Duration.ofMinutes(10)).random(new MaxRandom()).build();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                p.call(Context.background(), c -> {
                    throw new IOException();
                });
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        awaitParked(caller);
        caller.interrupt();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    }

    @Test
    void parkingPauseWaitsAboutTheRequestedTime() throws Exception {
        long t0 = System.nanoTime();
        Pause.parking().pause(Context.background(), TimeUnit.MILLISECONDS.toNanos(30));
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
        assertThatThrownBy(() -> Pause.parking().pause(Context.background().withTimeout(Duration.ofMillis(20)),
                TimeUnit.MINUTES.toNanos(1))).isInstanceOf(DeadlineExceededException.class);
    }

    @Test
    void builderRejectsBadSettings() {
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.builder().multiplier(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.builder().maxTotalTime(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(Duration.ofSeconds(2)).maxDelay(Duration.ofSeconds(1))
                .build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> RetryPolicy.builder().build().call(null, c -> 1)).isInstanceOf(NullPointerException.class);
    }

    /** Waits (with a deadline) until {@code t} is parked, i.e. in the backoff wait. */
    static void awaitParked(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime() - deadline).as("thread parks in time").isNegative();
            LockSupport.parkNanos(200_000L);
        }
    }

    /** A random generator that always draws the top of the range, to take jitter out of a test. */
    static final class MaxRandom implements java.util.random.RandomGenerator {
        @Override
        public long nextLong() {
            return Long.MAX_VALUE;
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    }
}
