package dev.sluice.limit;

import static dev.sluice.limit.Threads.awaitCondition;
import static dev.sluice.limit.Threads.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.BusyException;
import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.limit.ConcurrencyLimiterTest.ManualLimit;
import dev.sluice.pool.Job;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The scoped forms of {@link ConcurrencyLimiter} (call, run, tryCall, tryRun). Each behaviour is checked
 * on the limiter's own implementation and on the interface's default methods (through a limiter that
 * implements only the permit methods), so that both follow the documented outcome mapping.
 */
@Timeout(30)
class ConcurrencyLimiterScopedTest {

    /** Which implementation of the scoped forms a test runs against. */
    enum Impl {
        LIMITER, DEFAULT_METHODS;

        ConcurrencyLimiter wrap(ConcurrencyLimiter limiter) {
            return this == LIMITER ? limiter : new PermitOnly(limiter);
        }
    }

    private static ConcurrencyLimiter limiter(Impl impl, int limit) {
        return impl.wrap(ConcurrencyLimiter.of(limit));
    }

    // ------------------------------------------------------------------ success and release

    @ParameterizedTest
    @EnumSource(Impl.class)
    void callReturnsTheBodysResultHoldingOneUnitAndGivesItBack(Impl impl) throws Exception {
        ConcurrencyLimiter limiter = limiter(impl, 2);
        String r = limiter.call(Context.background(), () -> "held " + limiter.inflight());
        assertThat(r).isEqualTo("held 1");
        assertThat(limiter.inflight()).isZero();
        AtomicInteger seen = new AtomicInteger(-1);
        limiter.run(Context.background(), () -> seen.set(limiter.inflight()));
        assertThat(seen).hasValue(1);
        assertThat(limiter.inflight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void weightedFormsHoldTheirWeightAndHeavierThanTheLimitRunsAlone(Impl impl) throws Exception {
        ConcurrencyLimiter limiter = limiter(impl, 4);
        assertThat(limiter.call(Context.background(), 3, limiter::inflight)).isEqualTo(3);
        AtomicInteger seen = new AtomicInteger();
        assertThat(limiter.tryRun(4, () -> seen.set(limiter.inflight()))).isTrue();
        assertThat(seen).hasValue(4);
        assertThat(limiter.tryCall(9, limiter::inflight, -1)).as("alone, heavier than the limit").isEqualTo(9);
        Permit one = limiter.tryAcquire();
        assertThat(limiter.tryCall(9, limiter::inflight, -1)).as("not alone").isEqualTo(-1);
        assertThat(limiter.tryRun(3, () -> seen.set(limiter.inflight()))).isTrue();
        assertThat(seen).hasValue(4);
        one.close();
        assertThat(limiter.inflight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void malformedArgumentsAreRejectedAndNothingIsHeld(Impl impl) {
        ConcurrencyLimiter limiter = limiter(impl, 4);
        Job job = () -> { };
        assertThatThrownBy(() -> limiter.run(Context.background(), 0, job)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.call(Context.background(), 1_000_001, () -> 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryRun(-1, job)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryCall(0, () -> 1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.run(null, job)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> limiter.run(Context.background(), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> limiter.call(Context.background(), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> limiter.tryRun(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> limiter.tryCall(null, 1)).isInstanceOf(NullPointerException.class);
        assertThat(limiter.inflight()).isZero();
    }

    // ------------------------------------------------------------------ outcomes reported to the limit

    @ParameterizedTest
    @EnumSource(Impl.class)
    void aBodyThatReturnsIsReportedAsASuccessWithItsLatency(Impl impl) throws Exception {
        FakeClock clock = new FakeClock();
        ManualLimit limit = new ManualLimit(5);
        ConcurrencyLimiter limiter = impl.wrap(ConcurrencyLimiter.builder().limit(limit).clock(clock).build());
        long t0 = clock.getAsLong();
        Permit other = limiter.tryAcquire();
        limiter.run(Context.background(), 2, () -> clock.advance(Duration.ofMillis(7)));
        assertThat(limiter.tryCall(() -> {
            clock.advance(Duration.ofMillis(3));
            return "x";
        }, "busy")).isEqualTo("x");
        assertThat(limit.samples).hasSize(2);
        assertThat(limit.samples.get(0)).containsExactly(t0, 7_000_000L, 3, 0);
        assertThat(limit.samples.get(1)).containsExactly(t0 + 7_000_000L, 3_000_000L, 2, 0);
        other.releaseIgnored();
        assertThat(limiter.inflight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void overloadFailuresAreReportedAsDropsAndRethrownAsTheyAre(Impl impl) throws Exception {
        FakeClock clock = new FakeClock();
        ManualLimit limit = new ManualLimit(5);
        ConcurrencyLimiter limiter = impl.wrap(ConcurrencyLimiter.builder().limit(limit).clock(clock).build());
        List<Exception> overload = List.of(new BusyException("pool full"), new WaitQueueFullException("nested limiter"),
                new DeadlineExceededException("too slow"), new TimeoutException("socket"));
        for (Exception e : overload) {
            int before = limit.samples.size();
            assertThatThrownBy(() -> limiter.call(Context.background(), () -> {
                clock.advance(Duration.ofMillis(2));
                throw e;
            })).isSameAs(e);
            assertThatThrownBy(() -> limiter.tryRun(() -> {
                throw e;
            })).isSameAs(e);
            assertThat(limiter.inflight()).as("units back after " + e).isZero();
            assertThat(limit.samples).as("two drops for " + e).hasSize(before + 2);
            assertThat(limit.samples.get(before)[1]).isEqualTo(2_000_000L);
            assertThat(limit.samples.get(before)[3]).as("dropped").isEqualTo(1);
            assertThat(limit.samples.get(before + 1)[3]).as("dropped").isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void otherFailuresGiveTheUnitsBackWithoutASample(Impl impl) {
        ManualLimit limit = new ManualLimit(5);
        ConcurrencyLimiter limiter = impl.wrap(ConcurrencyLimiter.builder().limit(limit).build());
        List<Throwable> others = List.of(new IllegalStateException("bug"), new CancelledException("client left"),
                new InterruptedException("stop"), new java.io.IOException("reset"), new AssertionError("error"),
                new RuntimeException(new TimeoutException("a cause does not count")));
        for (Throwable t : others) {
            assertThatThrownBy(() -> limiter.run(Context.background(), 2, () -> sneakyThrow(t))).isSameAs(t);
            assertThatThrownBy(() -> limiter.tryCall(() -> sneakyThrow(t), 0)).isSameAs(t);
            assertThat(limiter.inflight()).as("units back after " + t).isZero();
        }
        assertThat(limit.samples).isEmpty();
    }

    @Test
    void aFixedLimitNeverReadsTheClockOnTheFastPathAndAnAdaptiveOneReadsItTwice() throws Exception {
        AtomicLong reads = new AtomicLong();
        LongSupplier counting = () -> {
            reads.incrementAndGet();
            return System.nanoTime();
        };
        ConcurrencyLimiter fixed = ConcurrencyLimiter.builder().limit(3).clock(counting).build();
        fixed.run(Context.background(), () -> { });
        fixed.call(Context.background(), () -> 1);
        fixed.tryRun(() -> { });
        fixed.tryCall(() -> 1, 0);
        assertThatThrownBy(() -> fixed.run(Context.background(), () -> {
            throw new TimeoutException();
        })).isInstanceOf(TimeoutException.class);
        assertThat(reads).as("clock reads under a fixed limit").hasValue(0);

        ConcurrencyLimiter adaptive = ConcurrencyLimiter.builder().limit(new ManualLimit(3)).clock(counting).build();
        adaptive.run(Context.background(), () -> { });
        assertThat(reads).as("start and end of one sampled body").hasValue(2);
    }

    // ------------------------------------------------------------------ full, waiting, closed

    @ParameterizedTest
    @EnumSource(Impl.class)
    void tryFormsRunNothingWhenFullOrWhenOthersWait(Impl impl) throws Throwable {
        ConcurrencyLimiter limiter = limiter(impl, 1);
        AtomicBoolean ran = new AtomicBoolean();
        Permit held = limiter.tryAcquire();
        assertThat(limiter.tryRun(() -> ran.set(true))).isFalse();
        assertThat(limiter.tryCall(() -> ran.getAndSet(true), null)).isNull();
        assertThat(limiter.tryCall(2, () -> "ran", "busy")).isEqualTo("busy");
        assertThat(ran).isFalse();
        Threads.Running<String> waiter = start(() -> limiter.call(Context.background(), () -> "waited"));
        awaitCondition("queued", () -> limiter.waiting() == 1);
        held.close();
        assertThat(waiter.join()).isEqualTo("waited");
        assertThat(limiter.inflight()).isZero();
        Thread.currentThread().interrupt();
        try {
            assertThat(limiter.tryRun(() -> ran.set(true))).as("tryRun ignores the interrupt status").isTrue();
        } finally {
            assertThat(Thread.interrupted()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void aWaitingCallRunsWhenAnotherScopedBodyEnds(Impl impl) throws Throwable {
        ConcurrencyLimiter limiter = limiter(impl, 1);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Threads.Running<Void> first = start(() -> {
            limiter.run(Context.background(), () -> {
                inside.countDown();
                leave.await();
            });
            return null;
        });
        inside.await();
        Threads.Running<Integer> second = start(() -> limiter.call(Context.background(), limiter::inflight));
        awaitCondition("queued", () -> limiter.waiting() == 1);
        assertThat(second.result).isNotDone();
        leave.countDown();
        first.join();
        assertThat(second.join()).isEqualTo(1);
        assertThat(limiter.inflight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void aClosedLimiterRunsNoNewBodyButOneAlreadyRunningFinishesAndReleases(Impl impl) throws Throwable {
        ConcurrencyLimiter limiter = limiter(impl, 2);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Threads.Running<String> running = start(() -> limiter.call(Context.background(), () -> {
            inside.countDown();
            leave.await();
            return "finished";
        }));
        inside.await();
        limiter.close();
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> limiter.run(Context.background(), () -> ran.set(true))).isInstanceOf(LimiterClosedException.class);
        assertThatThrownBy(() -> limiter.call(Context.background(), () -> ran.getAndSet(true))).isInstanceOf(LimiterClosedException.class);
        assertThatThrownBy(() -> limiter.tryRun(() -> ran.set(true))).isInstanceOf(LimiterClosedException.class);
        assertThatThrownBy(() -> limiter.tryCall(() -> ran.getAndSet(true), false)).isInstanceOf(LimiterClosedException.class);
        assertThat(ran).isFalse();
        assertThat(limiter.inflight()).isEqualTo(1);
        leave.countDown();
        assertThat(running.join()).isEqualTo("finished");
        assertThat(limiter.inflight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void closingWakesAWaitingCallWithoutRunningItsBody(Impl impl) throws Throwable {
        ConcurrencyLimiter limiter = limiter(impl, 1);
        Permit held = limiter.tryAcquire();
        AtomicBoolean ran = new AtomicBoolean();
        Threads.Running<Void> w = start(() -> {
            limiter.run(Context.background(), () -> ran.set(true));
            return null;
        });
        awaitCondition("queued", () -> limiter.waiting() == 1);
        limiter.close();
        assertThat(w.failure()).isInstanceOf(LimiterClosedException.class);
        assertThat(ran).isFalse();
        held.close();
        assertThat(limiter.inflight()).isZero();
    }

    // ------------------------------------------------------------------ context and interrupt

    @ParameterizedTest
    @EnumSource(Impl.class)
    void aDoneContextRunsNothingEvenWhenAUnitIsFree(Impl impl) {
        ConcurrencyLimiter limiter = limiter(impl, 3);
        AtomicBoolean ran = new AtomicBoolean();
        CancellableContext cancelled = Context.background().withCancel();
        cancelled.cancel();
        assertThatThrownBy(() -> limiter.run(cancelled, () -> ran.set(true))).isInstanceOf(CancelledException.class);
        Context expired = Context.background().withTimeout(Duration.ZERO);
        assertThatThrownBy(() -> limiter.call(expired, () -> ran.getAndSet(true))).isInstanceOf(DeadlineExceededException.class);
        assertThat(ran).isFalse();
        assertThat(limiter.inflight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void cancellingTheContextOfAWaitingCallEndsItAtOnceWithoutRunningTheBody(Impl impl) throws Throwable {
        ConcurrencyLimiter limiter = limiter(impl, 1);
        Permit held = limiter.tryAcquire();
        AtomicBoolean ran = new AtomicBoolean();
        CancellableContext ctx = Context.background().withCancel();
        Threads.Running<Boolean> w = start(() -> limiter.call(ctx, () -> ran.getAndSet(true)));
        awaitCondition("queued", () -> limiter.waiting() == 1);
        ctx.cancel(new IllegalStateException("client went away"));
        assertThat(w.failure()).isInstanceOf(CancelledException.class).hasRootCauseMessage("client went away");
        assertThat(ran).isFalse();
        assertThat(limiter.waiting()).isZero();
        held.close();
        assertThat(limiter.inflight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void theDeadlineOfAWaitingRunEndsItWithDeadlineExceeded(Impl impl) throws Throwable {
        ConcurrencyLimiter limiter = limiter(impl, 1);
        Permit held = limiter.tryAcquire();
        AtomicBoolean ran = new AtomicBoolean();
        Context ctx = Context.background().withTimeout(Duration.ofMillis(30));
        Threads.Running<Void> w = start(() -> {
            limiter.run(ctx, () -> ran.set(true));
            return null;
        });
        assertThat(w.failure()).isInstanceOf(DeadlineExceededException.class);
        assertThat(ran).isFalse();
        assertThat(limiter.waiting()).isZero();
        held.close();
        assertThat(limiter.inflight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void interruptingAWaitingCallThrowsInterruptedExceptionClearsTheStatusAndRunsNothing(Impl impl) throws Throwable {
        ConcurrencyLimiter limiter = limiter(impl, 1);
        Permit held = limiter.tryAcquire();
        AtomicBoolean ran = new AtomicBoolean();
        Threads.Running<Boolean> w = start(() -> {
            try {
                limiter.call(Context.background(), () -> ran.getAndSet(true));
                return false;
            } catch (InterruptedException e) {
                return !Thread.currentThread().isInterrupted();
            }
        });
        awaitCondition("queued", () -> limiter.waiting() == 1);
        w.thread.interrupt();
        assertThat(w.join()).as("interrupt status cleared").isTrue();
        assertThat(ran).isFalse();
        assertThat(limiter.waiting()).isZero();
        held.close();
        assertThat(limiter.inflight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void anInterruptStatusSetBeforeRunThrowsEvenWithAFreeUnit(Impl impl) throws Throwable {
        ConcurrencyLimiter limiter = limiter(impl, 1);
        AtomicBoolean ran = new AtomicBoolean();
        Threads.Running<Throwable> w = start(() -> {
            Thread.currentThread().interrupt();
            try {
                limiter.run(Context.background(), () -> ran.set(true));
                return null;
            } catch (InterruptedException e) {
                return e;
            }
        });
        assertThat(w.join()).isInstanceOf(InterruptedException.class);
        assertThat(ran).isFalse();
        assertThat(limiter.inflight()).isZero();
    }

    // ------------------------------------------------------------------ stress

    @ParameterizedTest
    @EnumSource(Discipline.class)
    @Timeout(120)
    void concurrentScopedBodiesNeverExceedTheLimitAndAllFinish(Discipline discipline) throws Throwable {
        int limitValue = 3;
        // Waits end by a 10 s deadline, longer than LIFO_CODEL's 5 s shedding: a timeout means a lost wake-up.
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(limitValue).discipline(discipline)
                .maxWaiters(4).targetQueueDelay(Duration.ofSeconds(5)).interval(Duration.ofSeconds(5)).build();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxSeen = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger timedOut = new AtomicInteger();
        int threads = 6;
        int perThread = 3_000 * Threads.stressScale();
        List<Threads.Running<Void>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(start(() -> {
                for (int i = 0; i < perThread; i++) {
                    int weight = (i + id) % 4 == 0 ? 2 : 1;
                    boolean fail = i % 7 == 0;
                    Job body = () -> {
                        int now = concurrent.addAndGet(weight);
                        maxSeen.accumulateAndGet(now, Math::max);
                        ran.incrementAndGet();
                        for (int spin = 0; spin < 50; spin++) {
                            Thread.onSpinWait(); // hold the units a little so that bodies overlap
                        }
                        concurrent.addAndGet(-weight);
                        if (fail) {
                            throw new IllegalStateException("planned");
                        }
                    };
                    try {
                        switch (i % 4) {
                            case 0 -> limiter.run(Context.background().withTimeout(Duration.ofSeconds(10)), weight, body);
                            case 1 -> limiter.call(Context.background().withTimeout(Duration.ofSeconds(10)), weight, () -> {
                                body.run();
                                return null;
                            });
                            case 2 -> {
                                if (!limiter.tryRun(weight, body)) {
                                    refused.incrementAndGet();
                                }
                            }
                            default -> {
                                if (limiter.tryCall(weight, () -> {
                                    body.run();
                                    return Boolean.TRUE;
                                }, Boolean.FALSE) == Boolean.FALSE) {
                                    refused.incrementAndGet();
                                }
                            }
                        }
                    } catch (IllegalStateException planned) {
                        // the body's own failure, rethrown; its units must still be back (checked at the end)
                    } catch (LimitExceededException busy) {
                        refused.incrementAndGet();
                    } catch (DeadlineExceededException late) {
                        timedOut.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Threads.Running<Void> w : workers) {
            w.join();
        }
        assertThat(maxSeen.get()).as(discipline + " max concurrent units").isLessThanOrEqualTo(limitValue);
        assertThat(timedOut.get()).as("waits that hit their 5 s deadline").isZero();
        assertThat(ran.get() + refused.get()).isEqualTo(threads * perThread);
        assertThat(ran.get()).isGreaterThanOrEqualTo(threads * perThread / 4);
        assertThat(limiter.inflight()).isZero();
        assertThat(limiter.waiting()).isZero();
        for (Threads.Running<Void> w : workers) {
            w.awaitEnd();
        }
    }

    // ------------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> Void sneakyThrow(Throwable t) throws E {
        throw (E) t;
    }

    /** Implements only the permit methods, so that the scoped forms run as the interface's defaults. */
    private static final class PermitOnly implements ConcurrencyLimiter {
        private final ConcurrencyLimiter d;

        PermitOnly(ConcurrencyLimiter delegate) {
            this.d = delegate;
        }

        @Override
        public Permit acquire() throws InterruptedException {
            return d.acquire();
        }

        @Override
        public Permit acquire(int weight) throws InterruptedException {
            return d.acquire(weight);
        }

        @Override
        public Permit acquire(Context context) throws InterruptedException {
            return d.acquire(context);
        }

        @Override
        public Permit acquire(Context context, int weight) throws InterruptedException {
            return d.acquire(context, weight);
        }

        @Override
        public Permit tryAcquire() {
            return d.tryAcquire();
        }

        @Override
        public Permit tryAcquire(int weight) {
            return d.tryAcquire(weight);
        }

        @Override
        public Permit tryAcquire(Duration timeout) throws InterruptedException {
            return d.tryAcquire(timeout);
        }

        @Override
        public Permit tryAcquire(int weight, Duration timeout) throws InterruptedException {
            return d.tryAcquire(weight, timeout);
        }

        @Override
        public int limit() {
            return d.limit();
        }

        @Override
        public int inflight() {
            return d.inflight();
        }

        @Override
        public int waiting() {
            return d.waiting();
        }

        @Override
        public String name() {
            return d.name();
        }

        @Override
        public boolean isClosed() {
            return d.isClosed();
        }

        @Override
        public void close() {
            d.close();
        }
    }
}
