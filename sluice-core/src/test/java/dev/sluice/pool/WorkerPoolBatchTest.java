package dev.sluice.pool;

import static dev.sluice.pool.Conditions.awaitBlocked;
import static dev.sluice.pool.Conditions.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancelledException;
import dev.sluice.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Workers take several queued jobs per take (a pool of 1 worker and a queue of 64 takes up to 32): the
 * jobs held in a worker's batch still count as queued, against the capacity and in the stats, abort hands
 * them back, drain runs them, and an idle worker takes them over from a busy one.
 */
@Timeout(30)
class WorkerPoolBatchTest {

    private final List<WorkerPool> pools = new ArrayList<>();
    private final List<CountDownLatch> latches = new ArrayList<>();

    private WorkerPool pool(int workers, int capacity) {
        WorkerPool p = WorkerPool.builder().name("batch").workers(workers).queueCapacity(capacity).build();
        pools.add(p);
        return p;
    }

    private CountDownLatch latch() {
        CountDownLatch l = new CountDownLatch(1);
        latches.add(l);
        return l;
    }

    @AfterEach
    void shutDown() throws InterruptedException {
        latches.forEach(CountDownLatch::countDown);
        for (WorkerPool p : pools) {
            p.abort();
            assertThat(p.awaitTermination(Duration.ofSeconds(10))).isTrue();
        }
    }

    /**
     * Leaves the single worker of {@code p} running a job blocked on the returned latch with the
     * {@code small.length} jobs queued behind it in the worker's own batch (none left in the channel).
     */
    private CountDownLatch holdBatch(WorkerPool p, Job[] small) throws Exception {
        CountDownLatch first = latch();
        CountDownLatch firstRunning = new CountDownLatch(1);
        p.submit(() -> {
            firstRunning.countDown();
            first.await();
        });
        assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();
        CountDownLatch blocker = latch();
        CountDownLatch blockerRunning = new CountDownLatch(1);
        p.submit(() -> {
            blockerRunning.countDown();
            blocker.await();
        });
        for (Job j : small) {
            p.submit(j);
        }
        first.countDown(); // the worker now takes the blocker and the small jobs in one batch
        assertThat(blockerRunning.await(10, TimeUnit.SECONDS)).isTrue();
        return blocker;
    }

    private static Job[] counting(AtomicIntegerArray runs) {
        Job[] jobs = new Job[runs.length()];
        for (int i = 0; i < jobs.length; i++) {
            int id = i;
            jobs[i] = () -> runs.incrementAndGet(id);
        }
        return jobs;
    }

    /**
     * Tiny jobs make workers wait a few microseconds for a batch to fill (see WorkerPool, "Batches"). A
     * trickle that never fills one, each job submitted only after the previous one ran, must still run
     * job by job: the wait ends when no more jobs arrive. A job per round trip and a bounded test time
     * would both fail if a worker kept waiting for the rest of a batch.
     */
    @Test
    void aTrickleOfTinyJobsRunsJobByJobWithoutWaitingForABatchToFill() throws Throwable {
        WorkerPool p = pool(2, 256);
        AtomicInteger ran = new AtomicInteger();
        Job tick = ran::incrementAndGet;
        for (int i = 0; i < 5_000; i++) {
            CompletableFuture<Void> f = p.submit(tick);
            f.get(10, TimeUnit.SECONDS);
            assertThat(ran.get()).isEqualTo(i + 1);
        }
        // Then bursts shorter than a batch, each waited for as a whole.
        for (int burst = 0; burst < 500; burst++) {
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                fs.add(p.submit(tick));
            }
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        }
        assertThat(ran.get()).isEqualTo(5_000 + 500 * 5);
        awaitTrue("all 7,500 counted as completed", () -> p.stats().completed() == 7_500);
    }

    @Test
    void jobsHeldInAWorkersBatchCountAsQueuedAndAgainstTheCapacity() throws Throwable {
        WorkerPool p = pool(1, 64);
        AtomicIntegerArray runs = new AtomicIntegerArray(10);
        holdBatch(p, counting(runs));
        assertThat(p.stats().queueDepth()).isEqualTo(10);
        int accepted = 0;
        while (p.trySubmit(() -> { })) {
            accepted++;
        }
        assertThat(accepted).as("room left beside the 10 held jobs").isEqualTo(54);
        PoolStats s = p.stats();
        assertThat(s.queueDepth()).isEqualTo(64);
        assertThat(s.running()).isEqualTo(1);
        assertThat(s.rejected()).isEqualTo(1);
    }

    @Test
    void abortHandsBackTheJobsHeldInAWorkersBatchInOrder() throws Throwable {
        WorkerPool p = pool(1, 64);
        AtomicIntegerArray runs = new AtomicIntegerArray(10);
        Job[] small = counting(runs);
        holdBatch(p, small);
        Job queuedAfter = () -> { };
        CompletableFuture<Void> queuedAfterHandle = p.submit(queuedAfter);

        List<Job> unstarted = p.abort();

        assertThat(unstarted).hasSize(11);
        for (int i = 0; i < 10; i++) {
            assertThat(unstarted.get(i)).isSameAs(small[i]);
        }
        assertThat(unstarted.get(10)).isSameAs(queuedAfter);
        assertThatThrownBy(() -> queuedAfterHandle.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(CancelledException.class);
        assertThat(p.awaitTermination(Duration.ofSeconds(10))).isTrue();
        for (int i = 0; i < 10; i++) {
            assertThat(runs.get(i)).as("held job %d never ran", i).isZero();
        }
        PoolStats s = p.stats();
        assertThat(s.abandoned()).isEqualTo(11);
        assertThat(s.inFlight()).isZero();
        assertThat(s.queueDepth()).isZero();
        assertThat(p.abort()).isEmpty();
    }

    @Test
    void drainRunsTheJobsHeldInAWorkersBatch() throws Throwable {
        WorkerPool p = pool(1, 64);
        AtomicIntegerArray runs = new AtomicIntegerArray(10);
        CountDownLatch blocker = holdBatch(p, counting(runs));
        Conditions.Workers t = new Conditions.Workers();
        AtomicInteger ran = new AtomicInteger(-1);
        t.start("drainer", () -> ran.set((int) p.drain(Duration.ofSeconds(20)).ran()));
        awaitTrue("drain closed intake", p::isShutdown);
        blocker.countDown();
        t.joinAll(Duration.ofSeconds(20));
        assertThat(ran).hasValue(2 + 10);
        for (int i = 0; i < 10; i++) {
            assertThat(runs.get(i)).as("held job %d ran once", i).isEqualTo(1);
        }
        assertThat(p.stats().inFlight()).isZero();
    }

    @Test
    void startingAHeldJobLetsAWaitingSubmitterIn() throws Throwable {
        WorkerPool p = pool(1, 64);
        CountDownLatch first = latch();
        CountDownLatch firstRunning = new CountDownLatch(1);
        p.submit(() -> {
            firstRunning.countDown();
            first.await();
        });
        assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();
        CountDownLatch b = latch();
        CountDownLatch c = latch();
        CountDownLatch cRunning = new CountDownLatch(1);
        p.submit(() -> b.await());
        p.submit(() -> {
            cRunning.countDown();
            c.await();
        });
        for (int i = 0; i < 62; i++) {
            p.submit(() -> { });
        }
        assertThat(p.stats().queueDepth()).isEqualTo(64);
        Conditions.Workers t = new Conditions.Workers();
        Thread s1 = t.start("submitter-1", () -> p.submit(() -> { }));
        awaitBlocked(s1);
        first.countDown(); // the worker takes b, c and 30 more; b starts, so s1's job gets b's slot
        t.joinAll(Duration.ofSeconds(10));
        assertThat(p.stats().queueDepth()).isEqualTo(64); // 31 held + 33 in the channel

        Conditions.Workers t2 = new Conditions.Workers();
        Thread s2 = t2.start("submitter-2", () -> p.submit(() -> { }));
        awaitBlocked(s2);
        b.countDown(); // the worker starts c, a held job: its slot goes to s2 without another take
        assertThat(cRunning.await(10, TimeUnit.SECONDS)).isTrue();
        t2.joinAll(Duration.ofSeconds(10));
        assertThat(p.stats().queueDepth()).isEqualTo(64);
        c.countDown();
        assertThat(p.drain(Duration.ofSeconds(10)).ran()).isEqualTo(1 + 2 + 62 + 2);
    }

    @Test
    void anIdleWorkerTakesOverJobsHeldBehindABusyOne() throws Throwable {
        WorkerPool p = pool(2, 128); // batches of up to 32
        CountDownLatch gate = latch();
        CountDownLatch bothBusy = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            p.submit(() -> {
                bothBusy.countDown();
                gate.await();
            });
        }
        assertThat(bothBusy.await(10, TimeUnit.SECONDS)).isTrue();
        CountDownLatch forever = latch();
        CountDownLatch longStarted = new CountDownLatch(1);
        p.submit(() -> {
            longStarted.countDown();
            forever.await();
        });
        CountDownLatch rest = new CountDownLatch(20);
        for (int i = 0; i < 20; i++) {
            p.submit(rest::countDown);
        }
        gate.countDown();
        // Whichever worker took the long job with jobs behind it, the other one runs them all.
        assertThat(longStarted.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(rest.await(10, TimeUnit.SECONDS)).as("no job waits behind the blocked worker").isTrue();
    }

    @Test
    void statsStayExactUnderConcurrentSubmitters() throws Throwable {
        WorkerPool p = WorkerPool.builder().name("stats").workers(2).queueCapacity(64).onFailure(e -> { }).build();
        pools.add(p);
        int perSubmitter = 5_000;
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger acceptedSeen = new AtomicInteger();
        AtomicInteger rejectedSeen = new AtomicInteger();
        Conditions.Workers t = new Conditions.Workers();
        for (int s = 0; s < 3; s++) {
            int mode = s;
            t.start("submitter-" + s, () -> {
                for (int i = 0; i < perSubmitter; i++) {
                    boolean fails = i % 7 == 0;
                    Job j = () -> {
                        ran.incrementAndGet();
                        if (fails) {
                            throw new IllegalStateException("planned");
                        }
                    };
                    switch (mode) {
                        case 0 -> p.submit(j);
                        case 1 -> {
                            if (!p.trySubmit(j)) {
                                rejectedSeen.incrementAndGet();
                                continue;
                            }
                        }
                        default -> p.submit(Context.background(), j);
                    }
                    acceptedSeen.incrementAndGet();
                }
            });
        }
        t.joinAll(Duration.ofSeconds(25));
        DrainReport r = p.drain(Duration.ofSeconds(10));
        assertThat(r.terminated()).isTrue();
        PoolStats s = p.stats();
        assertThat(s.submitted()).isEqualTo(3L * perSubmitter);
        assertThat(s.accepted()).isEqualTo(acceptedSeen.get());
        assertThat(s.rejected()).isEqualTo(rejectedSeen.get());
        assertThat(s.completed() + s.failed()).isEqualTo(acceptedSeen.get()).isEqualTo(ran.get());
        assertThat(r.ran()).isEqualTo(s.completed());
        assertThat(s.inFlight()).isZero();
        assertThat(s.queueDepth()).isZero();
        assertThat(s.running()).isZero();
    }
}
