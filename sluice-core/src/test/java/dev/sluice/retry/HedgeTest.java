package dev.sluice.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.BusyException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HedgeTest {

    private Hedge hedge;

    @AfterEach
    void noAttemptIsLeftRunning() {
        if (hedge != null) {
            awaitTrue("every attempt ends", () -> hedge.activeAttempts() == 0);
        }
    }

    /** An attempt that blocks until its context is cancelled, then reports it and fails. */
    private static Operation<String> stuckUntilCancelled(CountDownLatch sawCancel) {
        return ctx -> {
            CountDownLatch done = new CountDownLatch(1);
            ctx.onDone(done::countDown);
            try {
                done.await();
            } catch (InterruptedException e) {
                // the hedge interrupts losers after cancelling their context
            }
            if (ctx.isDone()) {
                sawCancel.countDown();
            }
            throw new CancelledException("loser");
        };
    }

    @Test
    void secondAttemptStartsOnlyAfterTheDelayAndTheFirstSuccessWinsAndTheLoserIsCancelled() throws Exception {
        hedge = Hedge.builder().delay(Duration.ofMillis(50)).maxAttempts(2).build();
        CountDownLatch loserCancelled = new CountDownLatch(1);
        AtomicInteger attempt = new AtomicInteger();
        Operation<String> primaryStuck = ctx -> attempt.getAndIncrement() == 0
                ? stuckUntilCancelled(loserCancelled).call(ctx) : "from the hedge";
        long t0 = System.nanoTime();
        assertThat(hedge.call(Context.background(), primaryStuck)).isEqualTo("from the hedge");
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(loserCancelled.await(10, TimeUnit.SECONDS)).as("the losing attempt saw its context cancelled").isTrue();
        assertThat(hedge.stats()).isEqualTo(new Hedge.Stats(1, 1, 1, 0, 0));
    }

    @Test
    void fastFirstAttemptStartsNoHedge() throws Exception {
        hedge = Hedge.builder().delay(Duration.ofMinutes(5)).maxAttempts(3).build();
        AtomicInteger attempts = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            int n = hedge.call(Context.background(), ctx -> attempts.incrementAndGet());
            assertThat(n).isPositive();
        }
        assertThat(attempts).hasValue(100);
        assertThat(hedge.stats().hedges()).isZero();
    }

    @Test
    void whenEveryAttemptFailsTheLatestFailureIsRethrown() {
        hedge = Hedge.builder().delay(Duration.ofMinutes(5)).maxAttempts(3).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> hedge.call(Context.background(), ctx -> {
            throw new IOException("attempt " + attempts.incrementAndGet());
        })).isInstanceOf(IOException.class).hasMessageStartingWith("attempt ");
        // A failure with nothing else running starts the next attempt at once instead of waiting 5 minutes.
        assertThat(attempts).hasValue(3);
    }

    @Test
    void cancellingTheCallersContextEndsTheCallAndCancelsEveryAttempt() throws Exception {
        hedge = Hedge.builder().delay(Duration.ofMillis(10)).maxAttempts(2).build();
        CountDownLatch bothCancelled = new CountDownLatch(2);
        CountDownLatch bothStarted = new CountDownLatch(2);
        CancellableContext ctx = Context.background().withCancel();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                hedge.call(ctx, c -> {
                    bothStarted.countDown();
                    return stuckUntilCancelled(bothCancelled).call(c);
                });
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        assertThat(bothStarted.await(10, TimeUnit.SECONDS)).isTrue();
        ctx.cancel();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(CancelledException.class);
        assertThat(bothCancelled.await(10, TimeUnit.SECONDS)).isTrue();
        caller.join(Duration.ofSeconds(10));
        assertThat(caller.isAlive()).isFalse();
    }

    @Test
    void callerDeadlineEndsTheCall() {
        hedge = Hedge.builder().delay(Duration.ofMillis(5)).maxAttempts(2).build();
        CountDownLatch cancelled = new CountDownLatch(2);
        assertThatThrownBy(() -> hedge.call(Context.background().withTimeout(Duration.ofMillis(50)),
                stuckUntilCancelled(cancelled))).isInstanceOf(DeadlineExceededException.class);
    }

    @Test
    void concurrencyCapRefusesTheFirstAttemptWithBusyAndSkipsHedges() throws Exception {
        hedge = Hedge.builder().delay(Duration.ofMillis(1)).maxAttempts(2).maxConcurrentAttempts(1).build();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<String> first = new CompletableFuture<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                first.complete(hedge.call(Context.background(), ctx -> {
                    running.countDown();
                    release.await();
                    return "first";
                }));
            } catch (Throwable e) {
                first.completeExceptionally(e);
            }
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> hedge.call(Context.background(), ctx -> "second")).isInstanceOf(BusyException.class);
        awaitTrue("the hedge was refused by the cap", () -> hedge.stats().refusedByCap() >= 2);
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("first");
        caller.join(Duration.ofSeconds(10));
        assertThat(hedge.stats().hedges()).isZero();
    }

    @Test
    void budgetLimitsHowManyHedgesStart() throws Exception {
        RetryBudget budget = RetryBudget.builder().ratio(0.1).reserve(0).build();
        hedge = Hedge.builder().delay(Duration.ZERO).maxAttempts(2).budget(budget).build();
        for (int i = 0; i < 100; i++) {
            // Each call's first attempt waits a little so that the zero-delay hedge is always wanted.
            hedge.call(Context.background(), ctx -> {
                LockSupport.parkNanos(100_000L);
                return "ok";
            });
        }
        Hedge.Stats s = hedge.stats();
        assertThat(s.hedges()).isLessThanOrEqualTo(10);
        assertThat(s.hedges() + s.refusedByBudget()).isGreaterThan(0);
    }

    @Test
    void builderRejectsBadSettings() {
        assertThatThrownBy(() -> Hedge.builder().build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("delay");
        assertThatThrownBy(() -> Hedge.builder().maxAttempts(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hedge.builder().maxAttempts(11)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hedge.builder().maxConcurrentAttempts(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hedge.builder().delay(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as(what).isNegative();
            LockSupport.parkNanos(200_000L);
        }
    }
}
