package dev.sluice.pool;

import dev.sluice.ClosedException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Submitters race drain and abort, many times over: every job is either refused with a documented
 * exception, or accepted and then run exactly once or handed back by abort exactly once; never lost,
 * never both. Scales with {@code SLUICE_STRESS_SCALE}.
 */
class WorkerPoolShutdownRaceTest {

    private static final int SCALE = Math.max(1, Integer.parseInt(System.getenv().getOrDefault("SLUICE_STRESS_SCALE", "1")));
    private static final int SUBMITTERS = 3;
    private static final int PER_SUBMITTER = 40;
    private static final CompletableFuture<?> NO_HANDLE = new CompletableFuture<>();

    /** A job that knows its id, so a handed-back job can be matched to its submit. */
    private record IdJob(int id, AtomicIntegerArray runs) implements Job {
        @Override
        public void run() {
            runs.incrementAndGet(id);
            for (int i = 0; i < (id & 63); i++) {
                Thread.onSpinWait(); // jobs of varied length, so some are running when the shutdown hits
            }
        }
    }

    private record IdCallable(IdJob job) implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            job.run();
            return job.id();
        }
    }

    enum Shutdown { DRAIN, ABORT, DRAIN_AND_ABORT }

    @Test
    @Timeout(600)
    void submitsRacingDrainAndAbortLoseNothingAndThrowOnlyDocumentedExceptions() throws Throwable {
        int iterations = 1_500 * SCALE;
        long[] seen = new long[3]; // handed back by abort, refused with ClosedException, run
        for (int it = 0; it < iterations; it++) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int capacity = new int[] {0, 1, 4, 16, 64}[it % 5]; // 16 and 64: workers take batches of 4 and 16
            boolean virtual = (it & 4) != 0;
            Shutdown mode = Shutdown.values()[rnd.nextInt(3)];
            int shutdownAfter = rnd.nextInt(2 * PER_SUBMITTER);
            try {
                long[] r = runOnce(capacity, virtual, mode, shutdownAfter);
                for (int k = 0; k < 3; k++) {
                    seen[k] += r[k];
                }
            } catch (Throwable e) {
                throw new AssertionError("iteration " + it + " (capacity " + capacity + ", virtual " + virtual + ", "
                        + mode + ", after " + shutdownAfter + " accepts) failed", e);
            }
        }
        // The races really happened: jobs were handed back, refused at shutdown, and run.
        assertThat(seen[0]).as("jobs handed back by abort").isPositive();
        assertThat(seen[1]).as("submits refused with ClosedException").isPositive();
        assertThat(seen[2]).as("jobs run").isPositive();
    }

    private static long[] runOnce(int capacity, boolean virtual, Shutdown mode, int shutdownAfter) throws Throwable {
        WorkerPool pool = WorkerPool.builder().name("race").workers(2).queueCapacity(capacity).virtualThreads(virtual)
                .build();
        int total = SUBMITTERS * PER_SUBMITTER;
        AtomicIntegerArray runs = new AtomicIntegerArray(total);
        AtomicReferenceArray<CompletableFuture<?>> handles = new AtomicReferenceArray<>(total);
        AtomicInteger accepts = new AtomicInteger();
        AtomicInteger submittersDone = new AtomicInteger();
        AtomicInteger closedRefusals = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<List<Job>> returned = new ArrayList<>();
        Conditions.Workers threads = new Conditions.Workers();

        for (int s = 0; s < SUBMITTERS; s++) {
            int base = s * PER_SUBMITTER;
            threads.start("submitter-" + s, () -> {
                start.await();
                try {
                    submitAll(pool, base, runs, handles, accepts, closedRefusals);
                } finally {
                    submittersDone.incrementAndGet();
                }
            });
        }
        Runnable waitForAccepts = () -> {
            while (accepts.get() < shutdownAfter && submittersDone.get() < SUBMITTERS) {
                Thread.onSpinWait();
            }
        };
        List<Job> abortedA = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Job> abortedB = new java.util.concurrent.CopyOnWriteArrayList<>();
        threads.start("shutdown", () -> {
            start.await();
            waitForAccepts.run();
            if (mode == Shutdown.ABORT) {
                abortedA.addAll(pool.abort());
            } else {
                pool.drain(Duration.ofSeconds(30));
            }
        });
        if (mode == Shutdown.DRAIN_AND_ABORT) {
            threads.start("aborter", () -> {
                start.await();
                waitForAccepts.run();
                abortedB.addAll(pool.abort());
            });
        }
        start.countDown();
        threads.joinAll(Duration.ofSeconds(60));
        if (!pool.awaitTermination(Duration.ofSeconds(30))) {
            fail("pool did not terminate: " + pool.stats());
        }
        returned.add(abortedA);
        returned.add(abortedB);

        int[] handedBack = new int[total];
        for (List<Job> list : returned) {
            for (Job j : list) {
                int id = j instanceof IdJob ij ? ij.id() : ((IdCallable) ((Job.FromCallable) j).callable()).job().id();
                handedBack[id]++;
            }
        }
        int acceptedCount = 0;
        for (int id = 0; id < total; id++) {
            CompletableFuture<?> h = handles.get(id);
            int ran = runs.get(id);
            if (h == null) {
                assertThat(ran).as("job %d not accepted but ran", id).isZero();
                assertThat(handedBack[id]).as("job %d not accepted but handed back", id).isZero();
                continue;
            }
            acceptedCount++;
            boolean skipped = h != NO_HANDLE && ran == 0 && handedBack[id] == 0 && h.isCompletedExceptionally()
                    && causeOf(h) instanceof DeadlineExceededException;
            assertThat(ran + handedBack[id] + (skipped ? 1 : 0))
                    .as("job %d accepted: runs %d, handed back %d, skipped %s", id, ran, handedBack[id], skipped)
                    .isEqualTo(1);
            if (h == NO_HANDLE) {
                continue;
            }
            assertThat(h.isDone()).as("handle of job %d completes", id).isTrue();
            if (handedBack[id] == 1) {
                assertThat(causeOf(h)).isInstanceOf(CancelledException.class);
            } else if (ran == 1) {
                assertThat(h).isCompleted().isNotCompletedExceptionally();
            }
        }
        if (mode == Shutdown.DRAIN) {
            assertThat(abortedA).isEmpty();
        }
        PoolStats s = pool.stats();
        assertThat(s.accepted()).isEqualTo(acceptedCount);
        assertThat(s.completed() + s.abandoned() + s.cancelled()).isEqualTo(acceptedCount);
        assertThat(s.failed()).isZero();
        assertThat(s.inFlight()).isZero();
        long handedBackTotal = abortedA.size() + abortedB.size();
        return new long[] {handedBackTotal, closedRefusals.get(), s.completed()};
    }


    private static Throwable causeOf(CompletableFuture<?> h) {
        try {
            h.join();
            return null;
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return e.getCause();
        }
    }

    private static void submitAll(WorkerPool pool, int base, AtomicIntegerArray runs,
            AtomicReferenceArray<CompletableFuture<?>> handles, AtomicInteger accepts, AtomicInteger closedRefusals) throws InterruptedException {
        for (int i = 0; i < PER_SUBMITTER; i++) {
            int id = base + i;
            IdJob job = new IdJob(id, runs);
            try {
                switch (id % 4) {
                    case 0 -> handles.set(id, pool.submit(job));
                    case 1 -> {
                        if (pool.trySubmit(job)) {
                            handles.set(id, NO_HANDLE);
                        } else {
                            continue;
                        }
                    }
                    case 2 -> handles.set(id, pool.submit(Context.background().withCancel(), job));
                    default -> {
                        // Half with a deadline so short that the job may be refused, or skipped once queued.
                        Duration timeout = (id & 4) == 0 ? Duration.ofMillis(1) : Duration.ofMinutes(1);
                        handles.set(id, pool.submit(Context.background().withTimeout(timeout), new IdCallable(job)));
                    }
                }
                accepts.incrementAndGet();
            } catch (ClosedException closed) {
                closedRefusals.incrementAndGet();
                return; // the pool is shut down: every later submit would throw too
            } catch (DeadlineExceededException timedOut) {
                // documented for the context form: not accepted
            }
        }
    }

}
