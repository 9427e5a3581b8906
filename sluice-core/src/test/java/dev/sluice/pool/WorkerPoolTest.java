package dev.sluice.pool;

import dev.sluice.ClosedException;
import static dev.sluice.pool.Conditions.awaitBlocked;
import static dev.sluice.pool.Conditions.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class WorkerPoolTest {

    private final List<WorkerPool> pools = new ArrayList<>();
    private final CountDownLatch gate = new CountDownLatch(1);

    private WorkerPool pool(int workers, int capacity, boolean virtual) {
        WorkerPool p = WorkerPool.builder().name("test").workers(workers).queueCapacity(capacity).virtualThreads(virtual)
                .build();
        pools.add(p);
        return p;
    }

    @AfterEach
    void shutDownEveryPool() throws InterruptedException {
        gate.countDown();
        for (WorkerPool p : pools) {
            p.abort();
            assertThat(p.awaitTermination(Duration.ofSeconds(10))).as("pool %s terminates", p.name()).isTrue();
        }
    }

    /** Occupies every worker with a job blocked on {@link #gate}; returns once all of them are running. */
    private List<Thread> occupyAllWorkers(WorkerPool p) throws Exception {
        int n = p.workers();
        CyclicBarrier started = new CyclicBarrier(n + 1);
        List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < n; i++) {
            p.submit(() -> {
                threads.add(Thread.currentThread());
                started.await(10, TimeUnit.SECONDS);
                gate.await();
            });
        }
        started.await(10, TimeUnit.SECONDS);
        return threads;
    }

    // ------------------------------------------------------------------ building

    @Test
    void builderRejectsMissingAndOutOfRangeSettings() {
        assertThatThrownBy(() -> WorkerPool.builder().queueCapacity(1).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("workers");
        assertThatThrownBy(() -> WorkerPool.builder().workers(1).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("queue capacity");
        assertThatThrownBy(() -> WorkerPool.builder().workers(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkerPool.builder().workers(WorkerPoolBuilder.MAX_WORKERS + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkerPool.builder().queueCapacity(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkerPool.builder().queueCapacity(1_000_001))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unbounded");
        assertThatThrownBy(() -> WorkerPool.builder().workers(1).queueCapacity(10).shedAbove(8).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("together");
        assertThatThrownBy(() -> WorkerPool.builder().workers(1).queueCapacity(10).shedAbove(8).resumeBelow(8).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("resumeBelow < shedAbove");
        assertThatThrownBy(() -> WorkerPool.builder().workers(1).queueCapacity(10).shedAbove(11).resumeBelow(2).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> WorkerPool.builder().workers(1).queueCapacity(10).shedAbove(5).resumeBelow(0).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> WorkerPool.builder().name(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void submitFormsRejectNullArguments() {
        WorkerPool p = pool(1, 1, false);
        assertThatThrownBy(() -> p.submit((Job) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.submit((Callable<Integer>) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.trySubmit((Job) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.submit((Context) null, () -> { })).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.submit(Context.background(), (Job) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.drain(null)).isInstanceOf(NullPointerException.class);
        assertThat(p.stats().accepted()).isZero();
    }

    // ------------------------------------------------------------------ running

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void submittedJobRunsAndItsHandleCompletes(boolean virtual) throws Exception {
        WorkerPool p = pool(2, 4, virtual);
        AtomicInteger ran = new AtomicInteger();
        CompletableFuture<Void> h = p.submit(() -> { ran.incrementAndGet(); });
        CompletableFuture<String> v = p.submit(() -> "done");
        assertThat(h.get(10, TimeUnit.SECONDS)).isNull();
        assertThat(v.get(10, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(ran).hasValue(1);
        PoolStats s = p.stats();
        assertThat(s.submitted()).isEqualTo(2);
        assertThat(s.accepted()).isEqualTo(2);
        assertThat(s.completed()).isEqualTo(2);
        assertThat(s.failed()).isZero();
    }

    @Test
    void actionsBeforeSubmitAreVisibleToTheJob() throws Exception {
        WorkerPool p = pool(2, 64, false);
        for (int i = 0; i < 1000; i++) {
            int[] box = new int[1];
            box[0] = i; // plain write before submit
            int expected = i;
            assertThat(p.submit(() -> box[0]).get(10, TimeUnit.SECONDS)).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void throwingJobDoesNotKillItsWorkerAndItsFailureReachesTheHandle(boolean virtual) throws Exception {
        List<Throwable> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        WorkerPool p = WorkerPool.builder().workers(1).queueCapacity(4).virtualThreads(virtual).onFailure(seen::add)
                .build();
        pools.add(p);
        AtomicReference<Thread> first = new AtomicReference<>();
        CompletableFuture<Void> bad = p.submit(() -> {
            first.set(Thread.currentThread());
            throw new IOException("disk on fire");
        });
        CompletableFuture<Thread> next = p.submit(Thread::currentThread);
        assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IOException.class).hasRootCauseMessage("disk on fire");
        assertThat(next.get(10, TimeUnit.SECONDS)).isSameAs(first.get());
        assertThat(p.stats().failed()).isEqualTo(1);
        assertThat(p.stats().completed()).isEqualTo(1);
        awaitTrue("failure handler called", () -> seen.size() == 1);
        assertThat(seen.get(0)).isInstanceOf(IOException.class);
    }

    @Test
    void failureOfAJobWithoutHandleGoesToTheFailureHandler() throws Exception {
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        WorkerPool p = WorkerPool.builder().workers(1).queueCapacity(1).onFailure(seen::complete).build();
        pools.add(p);
        assertThat(p.trySubmit((Job) () -> { throw new IllegalStateException("boom"); })).isTrue();
        assertThat(seen.get(10, TimeUnit.SECONDS)).hasMessage("boom");
        awaitTrue("failure counted", () -> p.stats().failed() == 1);
    }

    @Test
    void failingFailureHandlerDoesNotKillTheWorker() throws Exception {
        WorkerPool p = WorkerPool.builder().workers(1).queueCapacity(2).onFailure(e -> {
            throw new IllegalStateException("handler broken");
        }).build();
        pools.add(p);
        CompletableFuture<Void> bad = p.submit(() -> { throw new IOException("x"); });
        assertThat(bad).failsWithin(Duration.ofSeconds(10));
        assertThat(p.submit(() -> 7).get(10, TimeUnit.SECONDS)).isEqualTo(7);
    }

    @Test
    void currentContextOutsideAJobIsBackground() {
        assertThat(WorkerPool.currentContext()).isSameAs(Context.background());
    }

    @Test
    void jobSubmittedWithAContextRunsWithAChildOfIt() throws Exception {
        WorkerPool p = pool(1, 1, false);
        try (CancellableContext parent = Context.background().withCancel()) {
            Context withDeadline = parent.withTimeout(Duration.ofMinutes(5));
            CountDownLatch running = new CountDownLatch(1);
            CompletableFuture<Boolean> sawCancel = p.submit(withDeadline, () -> {
                Context mine = WorkerPool.currentContext();
                assertThat(mine.hasDeadline()).isTrue();
                assertThat(mine.isDone()).isFalse();
                CountDownLatch done = new CountDownLatch(1);
                mine.onDone(done::countDown);
                running.countDown();
                return done.await(10, TimeUnit.SECONDS) && mine.cause() instanceof CancelledException;
            });
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            parent.cancel();
            assertThat(sawCancel.get(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void jobSubmittedWithoutAContextHasThePoolContextWhichOnlyAbortCancels() throws Exception {
        WorkerPool p = pool(1, 1, false);
        CompletableFuture<Context> ctx = p.submit(WorkerPool::currentContext);
        Context c = ctx.get(10, TimeUnit.SECONDS);
        assertThat(c).isNotSameAs(Context.background());
        assertThat(c.isDone()).isFalse();
        p.abort();
        assertThat(c.isDone()).isTrue();
        assertThat(c.cause()).isInstanceOf(CancelledException.class).hasCauseInstanceOf(ClosedException.class);
    }

    @Test
    void cancellingAHandleBeforeTheJobStartsKeepsItFromRunning() throws Exception {
        WorkerPool p = pool(1, 2, false);
        occupyAllWorkers(p);
        AtomicInteger ran = new AtomicInteger();
        CompletableFuture<Void> h = p.submit(() -> { ran.incrementAndGet(); });
        assertThat(h.cancel(false)).isTrue();
        gate.countDown();
        CompletableFuture<Void> after = p.submit(() -> { });
        after.get(10, TimeUnit.SECONDS);
        assertThat(ran).hasValue(0);
        assertThat(p.stats().cancelled()).isEqualTo(1);
    }

    @Test
    void jobWhoseContextEndedWhileQueuedIsNotStarted() throws Exception {
        WorkerPool p = pool(1, 2, false);
        occupyAllWorkers(p);
        AtomicInteger ran = new AtomicInteger();
        CancellableContext ctx = Context.background().withCancel();
        CompletableFuture<Void> h = p.submit(ctx, () -> { ran.incrementAndGet(); });
        ctx.cancel();
        gate.countDown();
        assertThatThrownBy(() -> h.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(CancelledException.class);
        assertThat(ran).hasValue(0);
        assertThat(p.stats().cancelled()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ full queue: the three modes

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void submitBlocksWhileTheQueueIsFullAndIsAcceptedWhenAWorkerFreesRoom(boolean virtual) throws Throwable {
        WorkerPool p = pool(1, 1, virtual);
        occupyAllWorkers(p);
        p.submit(() -> { }); // fills the queue
        Conditions.Workers submitters = new Conditions.Workers();
        CompletableFuture<CompletableFuture<Void>> handle = new CompletableFuture<>();
        Thread blocked = submitters.start("blocked-submitter", () -> handle.complete(p.submit(() -> { })));
        awaitBlocked(blocked);
        assertThat(handle).isNotDone();
        gate.countDown();
        handle.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
        submitters.joinAll(Duration.ofSeconds(10));
        assertThat(p.stats().blockedNanos()).isPositive();
        assertThat(p.stats().rejected()).isZero();
    }

    @Test
    void trySubmitReturnsFalseWhenTheQueueIsFullAndCountsARejection() throws Exception {
        WorkerPool p = pool(1, 2, false);
        occupyAllWorkers(p);
        assertThat(p.trySubmit(() -> { })).isTrue();
        Optional<CompletableFuture<Integer>> second = p.trySubmit(() -> 2);
        assertThat(second).isPresent();
        assertThat(p.trySubmit(() -> { })).isFalse();
        assertThat(p.trySubmit(() -> 3)).isEmpty();
        PoolStats s = p.stats();
        assertThat(s.rejected()).isEqualTo(2);
        assertThat(s.queueDepth()).isEqualTo(2);
        assertThat(s.inFlight()).isEqualTo(3); // the running job and two queued
        assertThat(s.running()).isEqualTo(1);
        gate.countDown();
        assertThat(second.get().get(10, TimeUnit.SECONDS)).isEqualTo(2);
    }

    @Test
    void trySubmitOnAZeroCapacityPoolSucceedsOnlyWhenAWorkerIsIdle() throws Exception {
        WorkerPool p = pool(1, 0, false);
        awaitTrue("accepted by the idle worker", () -> p.trySubmit(() -> gate.await()));
        assertThat(p.trySubmit(() -> { })).isFalse();
    }

    @Test
    void submitWithAContextThrowsDeadlineExceededWhenNoRoomBeforeTheDeadline() throws Exception {
        WorkerPool p = pool(1, 1, false);
        occupyAllWorkers(p);
        p.submit(() -> { });
        AtomicInteger ran = new AtomicInteger();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> p.submit(Context.background().withTimeout(Duration.ofMillis(50)), () -> {
            ran.incrementAndGet();
        })).isInstanceOf(DeadlineExceededException.class);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(45));
        gate.countDown();
        p.drain(Duration.ofSeconds(10));
        assertThat(ran).hasValue(0);
        assertThat(p.stats().accepted()).isEqualTo(2);
    }

    @Test
    void submitWithAContextThrowsCancelledWhenCancelledWhileWaiting() throws Throwable {
        WorkerPool p = pool(1, 1, true);
        occupyAllWorkers(p);
        p.submit(() -> { });
        CancellableContext ctx = Context.background().withCancel();
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Conditions.Workers w = new Conditions.Workers();
        Thread t = w.start("ctx-submitter", () -> {
            try {
                p.submit(ctx, () -> { });
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        awaitBlocked(t);
        ctx.cancel();
        w.joinAll(Duration.ofSeconds(10));
        assertThat(outcome.get()).isInstanceOf(CancelledException.class);
    }

    @Test
    void submitWithAContextThatIsAlreadyDoneFailsEvenWithRoom() {
        WorkerPool p = pool(1, 4, false);
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        assertThatThrownBy(() -> p.submit(ctx, () -> { })).isInstanceOf(CancelledException.class);
        assertThatThrownBy(() -> p.submit(Context.background().withTimeout(Duration.ZERO), () -> 1))
                .isInstanceOf(DeadlineExceededException.class);
        assertThat(p.stats().accepted()).isZero();
    }

    @Test
    void interruptedSubmitThrowsInterruptedExceptionAndTheJobIsNotAccepted() throws Throwable {
        WorkerPool p = pool(1, 1, false);
        occupyAllWorkers(p);
        p.submit(() -> { });
        AtomicInteger ran = new AtomicInteger();
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Conditions.Workers w = new Conditions.Workers();
        Thread t = w.start("interrupted-submitter", () -> {
            try {
                p.submit(() -> { ran.incrementAndGet(); });
            } catch (InterruptedException e) {
                outcome.set(e);
            }
        });
        awaitBlocked(t);
        t.interrupt();
        w.joinAll(Duration.ofSeconds(10));
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        gate.countDown();
        assertThat(p.drain(Duration.ofSeconds(10)).terminated()).isTrue();
        assertThat(ran).hasValue(0);
        assertThat(p.stats().accepted()).isEqualTo(2);
    }

    @Test
    void submitWithRoomSucceedsEvenIfTheThreadIsInterrupted() throws Exception {
        WorkerPool p = pool(1, 1, false);
        Thread.currentThread().interrupt();
        try {
            CompletableFuture<Integer> h = p.submit(() -> 5);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            Thread.interrupted();
            assertThat(h.get(10, TimeUnit.SECONDS)).isEqualTo(5);
        } finally {
            Thread.interrupted();
        }
    }

    // ------------------------------------------------------------------ shutdown

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void drainRunsEveryAcceptedJobReportsAndEndsTheWorkerThreads(boolean virtual) throws Exception {
        WorkerPool p = pool(3, 50, virtual);
        List<Thread> threads = occupyAllWorkers(p);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 50; i++) {
            int n = i;
            p.submit(() -> {
                ran.incrementAndGet();
                if (n % 10 == 0) {
                    throw new IllegalStateException("job " + n);
                }
            });
        }
        gate.countDown();
        DrainReport r = p.drain(Duration.ofSeconds(10));
        assertThat(r.terminated()).isTrue();
        assertThat(ran).hasValue(50);
        assertThat(r.ran()).isEqualTo(3 + 45);
        assertThat(r.failed()).isEqualTo(5);
        assertThat(r.stillRunning()).isZero();
        assertThat(r.notStarted()).isZero();
        assertThat(p.isTerminated()).isTrue();
        assertThat(threads).hasSize(3).doesNotHaveDuplicates();
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(10));
            assertThat(t.isAlive()).as("worker %s ended", t.getName()).isFalse();
        }
    }

    @Test
    void drainWithAShortGraceReportsWhatIsStillRunningAndQueuedAndLetsItFinish() throws Exception {
        WorkerPool p = pool(2, 10, false);
        occupyAllWorkers(p);
        for (int i = 0; i < 3; i++) {
            p.submit(() -> { });
        }
        DrainReport r = p.drain(Duration.ofMillis(20));
        assertThat(r.terminated()).isFalse();
        assertThat(r.stillRunning()).isEqualTo(2);
        assertThat(r.notStarted()).isEqualTo(3);
        assertThat(p.isShutdown()).isTrue();
        assertThat(p.isTerminated()).isFalse();
        gate.countDown();
        assertThat(p.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(p.stats().completed()).isEqualTo(5);
    }

    @Test
    void everySubmitFormThrowsClosedExceptionAfterShutdown() throws Exception {
        WorkerPool drained = pool(1, 1, false);
        drained.drain(Duration.ofSeconds(10));
        WorkerPool aborted = pool(1, 1, true);
        aborted.abort();
        for (WorkerPool p : List.of(drained, aborted)) {
            assertThat(p.isShutdown()).isTrue();
            assertThatThrownBy(() -> p.submit(() -> { })).isInstanceOf(ClosedException.class);
            assertThatThrownBy(() -> p.submit(() -> 1)).isInstanceOf(ClosedException.class);
            assertThatThrownBy(() -> p.trySubmit(() -> { })).isInstanceOf(ClosedException.class);
            assertThatThrownBy(() -> p.trySubmit(() -> 1)).isInstanceOf(ClosedException.class);
            assertThatThrownBy(() -> p.submit(Context.background(), () -> { })).isInstanceOf(ClosedException.class);
            // Shutdown is checked before the context: a caller learns the pool is gone, not that it ran out of time.
            assertThatThrownBy(() -> p.submit(Context.background().withTimeout(Duration.ZERO), () -> 1))
                    .isInstanceOf(ClosedException.class);
            assertThat(p.stats().accepted()).isZero();
        }
    }

    @Test
    void submitterBlockedWhenTheShutdownBeginsGetsClosedException() throws Throwable {
        WorkerPool p = pool(1, 1, false);
        occupyAllWorkers(p);
        p.submit(() -> { });
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Conditions.Workers w = new Conditions.Workers();
        Thread t = w.start("blocked", () -> {
            try {
                p.submit(() -> { });
            } catch (ClosedException e) {
                outcome.set(e);
            }
        });
        awaitBlocked(t);
        gate.countDown();
        // drain closes intake first; the blocked submit must not slip in after that.
        p.drain(Duration.ofSeconds(10));
        w.joinAll(Duration.ofSeconds(10));
        PoolStats s = p.stats();
        if (outcome.get() == null) {
            assertThat(s.accepted()).isEqualTo(3); // it won the race and was accepted before the close: then it ran
            assertThat(s.completed()).isEqualTo(3);
        } else {
            assertThat(s.accepted()).isEqualTo(2);
            assertThat(s.completed()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void abortCancelsRunningJobsAndReturnsTheJobsThatNeverStarted(boolean virtual) throws Exception {
        WorkerPool p = pool(1, 4, virtual);
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<Boolean> runningSawCancel = p.submit(() -> {
            CountDownLatch cancelled = new CountDownLatch(1);
            WorkerPool.currentContext().onDone(cancelled::countDown);
            running.countDown();
            try {
                return cancelled.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return WorkerPool.currentContext().isDone(); // abort cancels the context before it interrupts
            }
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        Job a = () -> { };
        Job b = () -> { };
        CompletableFuture<Void> ha = p.submit(a);
        CompletableFuture<Void> hb = p.submit(Context.background(), b);
        Callable<String> c = () -> "never";
        CompletableFuture<String> hc = p.submit(c);

        List<Job> unstarted = p.abort();

        assertThat(unstarted).hasSize(3);
        assertThat(unstarted.get(0)).isSameAs(a);
        assertThat(unstarted.get(1)).isSameAs(b);
        unstarted.get(2).run(); // the Callable comes back as a Job that calls it
        for (CompletableFuture<?> h : List.of(ha, hb, hc)) {
            assertThatThrownBy(() -> h.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(CancelledException.class);
        }
        assertThat(runningSawCancel.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(p.stats().abandoned()).isEqualTo(3);
        assertThat(p.stats().inFlight()).isZero();
        assertThat(p.abort()).as("a second abort has nothing left to return").isEmpty();
    }

    @Test
    void abortInterruptsJobsBlockedInInterruptibleJdkCalls() throws Exception {
        WorkerPool p = pool(2, 2, false);
        List<Thread> threads = occupyAllWorkers(p); // both wait on the gate, which never opens before abort
        assertThat(p.abort()).isEmpty();
        assertThat(p.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(p.stats().failed()).isEqualTo(2); // each ended with InterruptedException
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(10));
            assertThat(t.isAlive()).isFalse();
        }
    }

    @Test
    void jobContextOfAContextSubmitIsCancelledByAbort() throws Exception {
        WorkerPool p = pool(1, 1, true);
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<Throwable> cause = p.submit(Context.background().withTimeout(Duration.ofMinutes(5)), () -> {
            Context mine = WorkerPool.currentContext();
            CountDownLatch done = new CountDownLatch(1);
            mine.onDone(done::countDown);
            running.countDown();
            done.await(); // also ends by the abort's interrupt; either way the context is done by then
            return mine.cause();
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        p.abort();
        assertThat(p.awaitTermination(Duration.ofSeconds(10))).isTrue();
        // The job either returned the cause or ended with InterruptedException; its context must be done.
        try {
            assertThat(cause.get(10, TimeUnit.SECONDS)).isInstanceOf(CancelledException.class);
        } catch (ExecutionException interrupted) {
            assertThat(interrupted).hasCauseInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void abortStillHandsBackQueuedJobsWhenAJobsCancellationCallbackThrows() throws Exception {
        WorkerPool p = pool(1, 2, false);
        CountDownLatch registered = new CountDownLatch(1);
        p.submit(() -> {
            WorkerPool.currentContext().onDone(() -> {
                throw new IllegalStateException("callback broken");
            });
            registered.countDown();
            gate.await();
        });
        assertThat(registered.await(10, TimeUnit.SECONDS)).isTrue();
        Job queued = () -> { };
        CompletableFuture<Void> h = p.submit(queued);
        assertThat(p.abort()).containsExactly(queued);
        assertThat(h).isCompletedExceptionally();
        assertThat(p.awaitTermination(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void drainCalledFromAJobOfThePoolIsRefused() throws Exception {
        WorkerPool p = pool(1, 1, false);
        CompletableFuture<Void> h = p.submit(() -> { p.drain(Duration.ofSeconds(1)); });
        assertThatThrownBy(() -> h.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void abortCalledFromAJobReturnsTheQueuedJobs() throws Exception {
        WorkerPool p = pool(1, 3, false);
        CountDownLatch queued = new CountDownLatch(1);
        CompletableFuture<List<Job>> self = p.submit(() -> {
            queued.await();
            return p.abort();
        });
        Job x = () -> { };
        p.submit(x);
        queued.countDown();
        assertThat(self.get(10, TimeUnit.SECONDS)).containsExactly(x);
        assertThat(p.awaitTermination(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void statsAddUpAfterAMixOfOutcomes() throws Exception {
        WorkerPool p = pool(1, 1, false);
        occupyAllWorkers(p);
        p.submit(() -> { throw new IOException(); }); // queued: will fail
        assertThat(p.trySubmit(() -> { })).isFalse();
        gate.countDown();
        p.drain(Duration.ofSeconds(10));
        assertThatThrownBy(() -> p.submit(() -> { })).isInstanceOf(ClosedException.class);
        PoolStats s = p.stats();
        assertThat(s.submitted()).isEqualTo(4);
        assertThat(s.accepted()).isEqualTo(2);
        assertThat(s.rejected()).isEqualTo(1);
        assertThat(s.completed()).isEqualTo(1);
        assertThat(s.failed()).isEqualTo(1);
        assertThat(s.inFlight()).isZero();
        assertThat(s.running()).isZero();
        assertThat(s.queueDepth()).isZero();
    }

    @Test
    void handleFailureIsACompletionExceptionOnJoin() throws Exception {
        WorkerPool p = pool(1, 1, false);
        CompletableFuture<Object> h = p.submit(() -> { throw new IOException("io"); });
        assertThatThrownBy(h::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(IOException.class);
    }
}
