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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ConcurrencyLimiterTest {

    // ------------------------------------------------------------------ non-blocking and release

    @Test
    void tryAcquireAdmitsUpToTheLimitThenReturnsNull() {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(2);
        Permit a = limiter.tryAcquire();
        Permit b = limiter.tryAcquire();
        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        assertThat(limiter.tryAcquire()).isNull();
        assertThat(limiter.inflight()).isEqualTo(2);
        a.close();
        assertThat(limiter.inflight()).isEqualTo(1);
        assertThat(limiter.tryAcquire()).isNotNull();
    }

    @Test
    void releaseIsIdempotentWhicheverWayItIsCalled() {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(3);
        Permit p = limiter.tryAcquire(2);
        Permit other = limiter.tryAcquire();
        assertThat(limiter.inflight()).isEqualTo(3);
        p.close();
        p.close();
        p.releaseDropped();
        p.releaseIgnored();
        assertThat(p.isReleased()).isTrue();
        assertThat(limiter.inflight()).isEqualTo(1);
        assertThat(other.isReleased()).isFalse();
    }

    @Test
    void racingReleasesOfOnePermitReleaseItOnce() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(1_000);
        int rounds = 2_000 * Threads.stressScale();
        for (int i = 0; i < rounds; i++) {
            Permit keep = limiter.tryAcquire();
            Permit p = limiter.tryAcquire();
            CountDownLatch go = new CountDownLatch(1);
            Threads.Running<Void> t = start(() -> {
                go.await();
                p.releaseDropped();
                return null;
            });
            go.countDown();
            p.close();
            t.join();
            assertThat(limiter.inflight()).isEqualTo(1);
            keep.close();
        }
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void weightedPermitTakesSeveralUnitsAndReturnsThemAll() {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(10);
        Permit heavy = limiter.tryAcquire(7);
        assertThat(heavy.weight()).isEqualTo(7);
        assertThat(limiter.tryAcquire(4)).isNull();
        Permit light = limiter.tryAcquire(3);
        assertThat(light).isNotNull();
        assertThat(limiter.inflight()).isEqualTo(10);
        heavy.close();
        assertThat(limiter.inflight()).isEqualTo(3);
    }

    @Test
    void permitHeavierThanTheLimitIsAdmittedOnlyWhenNothingElseIsInFlight() {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(4);
        Permit one = limiter.tryAcquire();
        assertThat(limiter.tryAcquire(9)).isNull();
        one.close();
        Permit alone = limiter.tryAcquire(9);
        assertThat(alone).isNotNull();
        assertThat(limiter.tryAcquire()).isNull();
        alone.close();
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void malformedArgumentsAreRejected() {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(4);
        assertThatThrownBy(() -> limiter.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire(-3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire(1_000_001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquire(Context.background(), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquire((Context) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> limiter.tryAcquire((Duration) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ConcurrencyLimiter.of(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConcurrencyLimiter.builder().maxWaiters(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConcurrencyLimiter.builder().targetQueueDelay(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConcurrencyLimiter.builder().targetQueueDelay(Duration.ofSeconds(1))
                .interval(Duration.ofMillis(10)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interval");
        assertThatThrownBy(() -> ConcurrencyLimiter.builder().limit((Limit) null)).isInstanceOf(NullPointerException.class);
        assertThat(limiter.inflight()).isZero();
    }

    // ------------------------------------------------------------------ blocking

    @Test
    void acquireBlocksWhileFullAndResumesAfterARelease() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(1);
        Permit held = limiter.acquire(Context.background());
        Threads.Running<Permit> waiter = start(() -> limiter.acquire(Context.background()));
        awaitCondition("waiter queued", () -> limiter.waiting() == 1);
        assertThat(waiter.result).isNotDone();
        held.close();
        Permit got = waiter.join();
        assertThat(got.isReleased()).isFalse();
        assertThat(limiter.inflight()).isEqualTo(1);
        assertThat(limiter.waiting()).isZero();
        got.close();
        waiter.awaitEnd();
    }

    @Test
    void tryAcquireDoesNotTakeAPermitAheadOfQueuedWaiters() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(2);
        Permit a = limiter.tryAcquire();
        Permit big = limiter.tryAcquire();
        Threads.Running<Permit> waiter = start(() -> limiter.acquire(2));
        awaitCondition("waiter queued", () -> limiter.waiting() == 1);
        a.close(); // one unit free, but the waiter needs two: it must keep its place
        assertThat(limiter.tryAcquire()).isNull();
        big.close();
        waiter.join().close();
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void fifoServesWaitersInArrivalOrder() throws Throwable {
        assertServiceOrder(Discipline.FIFO, List.of(0, 1, 2, 3));
    }

    @Test
    void lifoServesTheNewestWaiterFirst() throws Throwable {
        assertServiceOrder(Discipline.LIFO_CODEL, List.of(3, 2, 1, 0));
    }

    private static void assertServiceOrder(Discipline discipline, List<Integer> expected) throws Throwable {
        FakeClock clock = new FakeClock(); // stands still: nobody is shed
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(1).discipline(discipline).clock(clock).build();
        Permit held = limiter.tryAcquire();
        ArrayBlockingQueue<Integer> order = new ArrayBlockingQueue<>(expected.size());
        List<Threads.Running<Void>> waiters = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            int id = i;
            waiters.add(start(() -> {
                try (Permit p = limiter.acquire(Context.background())) {
                    assertThat(p.isReleased()).isFalse();
                    order.add(id);
                }
                return null;
            }));
            awaitCondition("waiter " + i + " queued", () -> limiter.waiting() == id + 1);
        }
        held.close();
        for (Threads.Running<Void> w : waiters) {
            w.join();
        }
        assertThat(new ArrayList<>(order)).containsExactlyElementsOf(expected);
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void aHeavyWaiterAtTheHeadHoldsBackLighterOnesSoItIsNotStarved() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(4);
        Permit p1 = limiter.tryAcquire(2);
        Permit p2 = limiter.tryAcquire(2);
        Threads.Running<Permit> heavy = start(() -> limiter.acquire(4));
        awaitCondition("heavy queued", () -> limiter.waiting() == 1);
        Threads.Running<Permit> light = start(() -> limiter.acquire(1));
        awaitCondition("light queued", () -> limiter.waiting() == 2);
        p1.close(); // two units free: enough for the light one, but the heavy one is first
        assertThat(limiter.waiting()).isEqualTo(2);
        assertThat(limiter.inflight()).isEqualTo(2);
        p2.close();
        Permit h = heavy.join();
        assertThat(h.weight()).isEqualTo(4);
        assertThat(light.result).isNotDone();
        h.close();
        light.join().close();
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void fifoRefusesANewcomerWhenTheWaitQueueIsFull() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(1).maxWaiters(1).build();
        Permit held = limiter.tryAcquire();
        Threads.Running<Permit> first = start(() -> limiter.acquire());
        awaitCondition("first queued", () -> limiter.waiting() == 1);
        assertThatThrownBy(() -> limiter.acquire(Context.background()))
                .isInstanceOf(WaitQueueFullException.class).isInstanceOf(LimitExceededException.class)
                .hasMessageContaining("maxWaiters 1");
        held.close();
        first.join().close();
    }

    @Test
    void maxWaitersZeroMeansAcquireNeverWaits() {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(1).maxWaiters(0).build();
        Permit held = limiter.tryAcquire();
        assertThatThrownBy(() -> limiter.acquire()).isInstanceOf(WaitQueueFullException.class);
        assertThat(limiter.waiting()).isZero();
        held.close();
    }

    @Test
    void lifoPushesTheOldestWaiterOutOfAFullQueue() throws Throwable {
        FakeClock clock = new FakeClock();
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(1).discipline(Discipline.LIFO_CODEL)
                .maxWaiters(2).clock(clock).build();
        Permit held = limiter.tryAcquire();
        Threads.Running<Permit> oldest = start(() -> limiter.acquire());
        awaitCondition("oldest queued", () -> limiter.waiting() == 1);
        Threads.Running<Permit> middle = start(() -> limiter.acquire());
        awaitCondition("middle queued", () -> limiter.waiting() == 2);
        Threads.Running<Permit> newest = start(() -> limiter.acquire());
        assertThat(oldest.failure()).isInstanceOf(WaitQueueFullException.class).hasMessageContaining("pushed out");
        awaitCondition("newest queued", () -> limiter.waiting() == 2);
        held.close();
        newest.join().close();
        middle.join().close();
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void lifoCodelShedsWaitersThatQueuedLongerThanTheTargetOnceTheQueueStands() throws Throwable {
        FakeClock clock = new FakeClock();
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(1).discipline(Discipline.LIFO_CODEL)
                .targetQueueDelay(Duration.ofMillis(5)).interval(Duration.ofMillis(100)).clock(clock).build();
        Permit held = limiter.tryAcquire();
        Threads.Running<Permit> old = start(() -> limiter.acquire());
        awaitCondition("old queued", () -> limiter.waiting() == 1);
        // The queue has stood for a whole interval; the old waiter has queued 100 ms > 5 ms target.
        clock.advance(Duration.ofMillis(100));
        Threads.Running<Permit> fresh = start(() -> limiter.acquire());
        assertThat(old.failure()).isInstanceOf(QueueDelayExceededException.class).isInstanceOf(LimitExceededException.class);
        awaitCondition("fresh queued", () -> limiter.waiting() == 1);
        clock.advance(Duration.ofMillis(4)); // fresh has waited 4 ms < target: it stays
        held.close();
        fresh.join().close();
        assertThat(limiter.inflight()).isZero();
        assertThat(limiter.waiting()).isZero();
    }

    @Test
    void lifoCodelToleratesDelaysUpToTheIntervalWhileThereIsNoStandingQueue() throws Throwable {
        FakeClock clock = new FakeClock();
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(1).discipline(Discipline.LIFO_CODEL)
                .targetQueueDelay(Duration.ofMillis(5)).interval(Duration.ofMillis(100)).clock(clock).build();
        Permit held = limiter.tryAcquire();
        Threads.Running<Permit> w = start(() -> limiter.acquire());
        awaitCondition("queued", () -> limiter.waiting() == 1);
        clock.advance(Duration.ofMillis(50)); // above the target, but the queue is younger than the interval
        held.close();
        Permit p = w.join();
        assertThat(p).isNotNull();
        p.close();
    }

    /**
     * Target 5 ms, interval 100 ms, limit 1 held by the returned permit: a waiter queues at t=0; at t=100
     * (the queue has stood) a second one sheds it; at t=105 the second sheds itself and the queue is empty.
     */
    private static Permit emptyAStandingQueueByShedding(ConcurrencyLimiter limiter, FakeClock clock) throws Exception {
        Permit held = limiter.tryAcquire();
        Threads.Running<Permit> first = start(() -> limiter.acquire());
        awaitCondition("first queued", () -> limiter.waiting() == 1);
        clock.advance(Duration.ofMillis(100));
        Threads.Running<Permit> second = start(() -> limiter.acquire()); // sheds the first, then waits
        assertThat(first.failure()).isInstanceOf(QueueDelayExceededException.class);
        awaitCondition("second queued", () -> limiter.waiting() == 1);
        clock.advance(Duration.ofMillis(5));
        assertThat(second.failure()).isInstanceOf(QueueDelayExceededException.class);
        assertThat(limiter.waiting()).isZero();
        return held;
    }

    private static ConcurrencyLimiter codel(FakeClock clock) {
        return ConcurrencyLimiter.builder().limit(1).discipline(Discipline.LIFO_CODEL)
                .targetQueueDelay(Duration.ofMillis(5)).interval(Duration.ofMillis(100)).clock(clock).build();
    }

    @Test
    void lifoCodelQueueEmptiedBySheddingStillStandsForTheNextWaiter() throws Throwable {
        FakeClock clock = new FakeClock();
        ConcurrencyLimiter limiter = codel(clock);
        Permit held = emptyAStandingQueueByShedding(limiter, clock);
        clock.advance(Duration.ofMillis(5));
        // Emptied by shedding 5 ms ago, not by serving: the queue still stands, so the target applies
        // at once (with a fresh period the third could wait the whole 100 ms interval).
        Threads.Running<Permit> third = start(() -> limiter.acquire());
        awaitCondition("third queued", () -> limiter.waiting() == 1);
        clock.advance(Duration.ofMillis(5));
        assertThat(third.failure()).isInstanceOf(QueueDelayExceededException.class);
        held.close();
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void lifoCodelQueueEmptiedByServingStartsAFreshPeriod() throws Throwable {
        FakeClock clock = new FakeClock();
        ConcurrencyLimiter limiter = codel(clock);
        Permit held = limiter.tryAcquire();
        Threads.Running<Permit> first = start(() -> limiter.acquire());
        awaitCondition("first queued", () -> limiter.waiting() == 1);
        clock.advance(Duration.ofMillis(99)); // within the interval: not standing yet
        held.close(); // serves the first waiter: the queue is emptied by service
        Permit firstPermit = first.join();
        clock.advance(Duration.ofMillis(5)); // 104 ms after the first joined: carried on, this would stand
        Threads.Running<Permit> second = start(() -> limiter.acquire());
        awaitCondition("second queued", () -> limiter.waiting() == 1);
        clock.advance(Duration.ofMillis(50)); // over the target, within the new period's interval: it stays
        firstPermit.close();
        second.join().close();
        assertThat(limiter.inflight()).isZero();
        assertThat(limiter.waiting()).isZero();
    }

    @Test
    void lifoCodelStandingPeriodEndsOnceTheQueueStayedEmptyForAnInterval() throws Throwable {
        FakeClock clock = new FakeClock();
        ConcurrencyLimiter limiter = codel(clock);
        Permit held = emptyAStandingQueueByShedding(limiter, clock);
        clock.advance(Duration.ofMillis(100)); // emptied by shedding a whole interval ago: the overload is over
        Threads.Running<Permit> third = start(() -> limiter.acquire());
        awaitCondition("third queued", () -> limiter.waiting() == 1);
        clock.advance(Duration.ofMillis(50));
        held.close();
        third.join().close();
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void lifoCodelWaiterShedsItselfWhenNothingElseHappens() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(1).discipline(Discipline.LIFO_CODEL)
                .targetQueueDelay(Duration.ofMillis(5)).interval(Duration.ofMillis(20)).build(); // real clock
        Permit held = limiter.tryAcquire();
        long start = System.nanoTime();
        Threads.Running<Permit> w = start(() -> limiter.acquire());
        assertThat(w.failure()).isInstanceOf(QueueDelayExceededException.class);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
        assertThat(limiter.waiting()).isZero();
        held.close();
    }

    // ------------------------------------------------------------------ context, interrupt, timeout, close

    @Test
    void acquireOnADoneContextThrowsEvenWhenAPermitIsFree() {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(5);
        CancellableContext cancelled = Context.background().withCancel();
        cancelled.cancel();
        assertThatThrownBy(() -> limiter.acquire(cancelled)).isInstanceOf(CancelledException.class);
        Context expired = Context.background().withTimeout(Duration.ZERO);
        assertThatThrownBy(() -> limiter.acquire(expired)).isInstanceOf(DeadlineExceededException.class);
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void cancellingTheContextWakesTheWaiterAtOnceAndItHoldsNothing() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(1);
        Permit held = limiter.tryAcquire();
        CancellableContext ctx = Context.background().withCancel();
        Threads.Running<Permit> w = start(() -> limiter.acquire(ctx));
        awaitCondition("queued", () -> limiter.waiting() == 1);
        ctx.cancel(new IllegalStateException("client went away"));
        assertThat(w.failure()).isInstanceOf(CancelledException.class).hasRootCauseMessage("client went away");
        assertThat(limiter.waiting()).isZero();
        held.close();
        assertThat(limiter.inflight()).isZero();
        assertThat(limiter.tryAcquire()).isNotNull();
    }

    @Test
    void theContextDeadlineEndsTheWaitWithDeadlineExceeded() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(1);
        Permit held = limiter.tryAcquire();
        Context ctx = Context.background().withTimeout(Duration.ofMillis(30));
        Threads.Running<Permit> w = start(() -> limiter.acquire(ctx));
        assertThat(w.failure()).isInstanceOf(DeadlineExceededException.class);
        assertThat(limiter.waiting()).isZero();
        held.close();
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void interruptingAWaiterThrowsInterruptedExceptionAndClearsTheStatus() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(1);
        Permit held = limiter.tryAcquire();
        Threads.Running<Boolean> w = start(() -> {
            try {
                limiter.acquire(Context.background());
                return false;
            } catch (InterruptedException e) {
                return !Thread.currentThread().isInterrupted();
            }
        });
        awaitCondition("queued", () -> limiter.waiting() == 1);
        w.thread.interrupt();
        assertThat(w.join()).as("interrupt status cleared").isTrue();
        assertThat(limiter.waiting()).isZero();
        held.close();
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void anInterruptStatusSetBeforeAcquireThrowsEvenWithAFreePermit() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(1);
        Threads.Running<Throwable> w = start(() -> {
            Thread.currentThread().interrupt();
            try {
                limiter.acquire();
                return null;
            } catch (InterruptedException e) {
                return e;
            }
        });
        assertThat(w.join()).isInstanceOf(InterruptedException.class);
        assertThat(limiter.inflight()).isZero();
        Thread.currentThread().interrupt();
        assertThat(limiter.tryAcquire()).as("tryAcquire ignores the interrupt status").isNotNull();
        assertThat(Thread.interrupted()).isTrue();
    }

    @Test
    void timedAcquireReturnsNullOnTimeoutAndAPermitWhenOneFreesInTime() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(1);
        Permit held = limiter.tryAcquire();
        assertThat(limiter.tryAcquire(Duration.ofMillis(20))).isNull();
        assertThat(limiter.tryAcquire(Duration.ZERO)).isNull();
        assertThat(limiter.waiting()).isZero();
        Threads.Running<Permit> w = start(() -> limiter.tryAcquire(Duration.ofSeconds(10)));
        awaitCondition("queued", () -> limiter.waiting() == 1);
        held.close();
        Permit p = w.join();
        assertThat(p).isNotNull();
        p.close();
    }

    @Test
    void closeWakesEveryWaiterAndRefusesLaterAcquiresButHeldPermitsStillRelease() throws Throwable {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(1);
        Permit held = limiter.tryAcquire();
        Threads.Running<Permit> a = start(() -> limiter.acquire());
        awaitCondition("a queued", () -> limiter.waiting() == 1);
        Threads.Running<Permit> b = start(() -> limiter.acquire(Context.background().withTimeout(Duration.ofMinutes(1))));
        awaitCondition("b queued", () -> limiter.waiting() == 2);
        limiter.close();
        limiter.close();
        assertThat(a.failure()).isInstanceOf(LimiterClosedException.class);
        assertThat(b.failure()).isInstanceOf(LimiterClosedException.class);
        assertThat(limiter.isClosed()).isTrue();
        assertThatThrownBy(limiter::tryAcquire).isInstanceOf(LimiterClosedException.class);
        assertThatThrownBy(limiter::acquire).isInstanceOf(LimiterClosedException.class);
        held.close();
        assertThat(limiter.inflight()).isZero();
    }

    // ------------------------------------------------------------------ limits

    /** A Limit the test sets by hand, recording the samples it is given. */
    static final class ManualLimit implements Limit {
        final LimitSupport.Listeners listeners = new LimitSupport.Listeners();
        final List<long[]> samples = new ArrayList<>();
        volatile int value;

        ManualLimit(int value) {
            this.value = value;
        }

        void set(int v) {
            value = v;
            listeners.notify(v);
        }

        @Override
        public int currentLimit() {
            return value;
        }

        @Override
        public void onSample(long startNanos, long rttNanos, int inflight, boolean dropped) {
            samples.add(new long[] {startNanos, rttNanos, inflight, dropped ? 1 : 0});
        }

        @Override
        public Context.Registration onChange(IntConsumer listener) {
            return listeners.add(listener);
        }
    }

    @Test
    void permitsReportTheirOutcomeAndLatencyToTheLimit() {
        FakeClock clock = new FakeClock();
        ManualLimit limit = new ManualLimit(5);
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(limit).clock(clock).build();
        long t0 = clock.getAsLong();
        Permit ok = limiter.tryAcquire();
        Permit dropped = limiter.tryAcquire(2);
        Permit ignored = limiter.tryAcquire();
        clock.advance(Duration.ofMillis(7));
        ok.close();
        clock.advance(Duration.ofMillis(3));
        dropped.releaseDropped();
        ignored.releaseIgnored();
        ok.releaseDropped(); // already released: no second sample
        assertThat(limit.samples).hasSize(2);
        assertThat(limit.samples.get(0)).containsExactly(t0, 7_000_000L, 1, 0);
        assertThat(limit.samples.get(1)).containsExactly(t0, 10_000_000L, 3, 1);
    }

    @Test
    void aRisingLimitAdmitsWaitersAndAFallingOneHoldsNewcomersBack() throws Throwable {
        ManualLimit limit = new ManualLimit(1);
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(limit).build();
        Permit held = limiter.tryAcquire();
        Threads.Running<Permit> w = start(() -> limiter.acquire());
        awaitCondition("queued", () -> limiter.waiting() == 1);
        limit.set(2);
        Permit second = w.join();
        assertThat(limiter.limit()).isEqualTo(2);
        assertThat(limiter.inflight()).isEqualTo(2);
        limit.set(1);
        held.close();
        assertThat(limiter.tryAcquire()).as("one in flight already fills a limit of 1").isNull();
        second.close();
        limiter.close();
        assertThat(limit.listeners).isNotNull();
    }

    @Test
    void closingTheLimiterStopsListeningToTheLimit() {
        ManualLimit limit = new ManualLimit(3);
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(limit).build();
        limiter.close();
        limit.set(7);
        assertThat(limiter.limit()).isEqualTo(3);
    }

    // ------------------------------------------------------------------ stress

    @Test
    @Timeout(120)
    void manyThreadsNeverExceedTheLimitAndAllFinish() throws Throwable {
        int limitValue = 3;
        for (Discipline d : Discipline.values()) {
            ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().limit(limitValue).discipline(d)
                    .targetQueueDelay(Duration.ofSeconds(5)).interval(Duration.ofSeconds(5)).build();
            AtomicInteger concurrent = new AtomicInteger();
            AtomicInteger maxSeen = new AtomicInteger();
            AtomicInteger admitted = new AtomicInteger();
            int threads = 6;
            int perThread = 3_000 * Threads.stressScale();
            List<Threads.Running<Void>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                workers.add(start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int weight = (i + id) % 4 == 0 ? 2 : 1;
                        Permit p = (i & 1) == 0 ? limiter.acquire(Context.background(), weight) : limiter.tryAcquire(weight);
                        if (p == null) {
                            continue;
                        }
                        int now = concurrent.addAndGet(weight);
                        maxSeen.accumulateAndGet(now, Math::max);
                        admitted.incrementAndGet();
                        for (int spin = 0; spin < 50; spin++) {
                            Thread.onSpinWait(); // hold the permit a little so that holders overlap
                        }
                        concurrent.addAndGet(-weight);
                        if (i % 3 == 0) {
                            p.releaseDropped();
                        } else {
                            p.close();
                        }
                    }
                    return null;
                }));
            }
            for (Threads.Running<Void> w : workers) {
                w.join();
            }
            assertThat(maxSeen.get()).as(d + " max concurrent").isLessThanOrEqualTo(limitValue);
            assertThat(admitted.get()).isGreaterThanOrEqualTo(threads * perThread / 2);
            assertThat(limiter.inflight()).isZero();
            assertThat(limiter.waiting()).isZero();
        }
    }
}
