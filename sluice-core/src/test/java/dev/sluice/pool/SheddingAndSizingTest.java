package dev.sluice.pool;

import dev.sluice.ClosedException;
import dev.sluice.BusyException;
import static dev.sluice.pool.Conditions.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ContextDoneException;
import dev.sluice.Context;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SheddingAndSizingTest {

    private final Semaphore release = new Semaphore(0);
    private final AtomicInteger started = new AtomicInteger();
    private WorkerPool pool;

    @AfterEach
    void shutDown() throws InterruptedException {
        if (pool != null) {
            release.release(1_000);
            pool.abort();
            assertThat(pool.awaitTermination(Duration.ofSeconds(10))).isTrue();
        }
    }

    private Job heldJob() {
        return () -> {
            started.incrementAndGet();
            release.acquire();
        };
    }

    /** Lets the running job finish and waits until the worker has taken the next one off the queue. */
    private void finishOneJob() {
        int before = started.get();
        release.release();
        awaitTrue("the next job to start", () -> started.get() == before + 1);
    }

    @Test
    void shedsFromTheHighMarkUntilBelowTheLowMarkWithoutFlappingInBetween() throws Exception {
        pool = WorkerPool.builder().name("shed").workers(1).queueCapacity(10).shedAbove(8).resumeBelow(3).build();
        assertThat(pool.submit(heldJob())).isNotNull();
        awaitTrue("first job running", () -> started.get() == 1);

        for (int i = 0; i < 8; i++) {
            assertThat(pool.trySubmit(heldJob())).as("job %d below the high mark", i).isTrue();
        }
        assertThat(pool.isShedding()).isFalse();
        assertThat(pool.trySubmit(heldJob())).as("at the high mark").isFalse();
        assertThat(pool.isShedding()).isTrue();
        assertThatThrownBy(() -> pool.submit(heldJob())).isInstanceOf(BusyException.class)
                .isNotInstanceOf(ClosedException.class).isNotInstanceOf(ContextDoneException.class);
        assertThatThrownBy(() -> pool.submit(Context.background(), () -> 1)).isInstanceOf(BusyException.class);

        // Between the marks (8 > depth >= 3) the pool keeps shedding, even though there is room.
        for (int depth = 7; depth >= 3; depth--) {
            finishOneJob();
            assertThat(pool.stats().queueDepth()).isEqualTo(depth);
            assertThat(pool.trySubmit(heldJob())).as("depth %d, still shedding", depth).isFalse();
            assertThat(pool.isShedding()).isTrue();
        }
        finishOneJob(); // depth 2: below the low mark
        assertThat(pool.trySubmit(heldJob())).as("below the low mark").isTrue();
        assertThat(pool.isShedding()).isFalse();

        // Back between the marks (depth 3..7) it keeps admitting, up to the high mark again.
        for (int depth = 3; depth < 8; depth++) {
            assertThat(pool.trySubmit(heldJob())).as("depth %d, admitting", depth).isTrue();
            assertThat(pool.isShedding()).isFalse();
        }
        assertThat(pool.trySubmit(heldJob())).isFalse();
        assertThat(pool.isShedding()).isTrue();

        PoolStats s = pool.stats();
        assertThat(s.rejected()).isEqualTo(1 + 2 + 5 + 1);
        assertThat(s.shedding()).isTrue();
        assertThat(s.accepted()).isEqualTo(1 + 8 + 1 + 5);
    }

    @Test
    void concurrentSubmittersNeverPushTheQueueAboveTheHighMark() throws Throwable {
        pool = WorkerPool.builder().name("shed-race").workers(1).queueCapacity(50).shedAbove(20).resumeBelow(5).build();
        pool.submit(heldJob());
        awaitTrue("first job running", () -> started.get() == 1);
        Conditions.Workers submitters = new Conditions.Workers();
        AtomicInteger accepted = new AtomicInteger();
        for (int t = 0; t < 4; t++) {
            submitters.start("submitter-" + t, () -> {
                for (int i = 0; i < 200; i++) {
                    try {
                        pool.submit(heldJob());
                        accepted.incrementAndGet();
                    } catch (BusyException expected) {
                        // shed
                    }
                }
            });
        }
        submitters.joinAll(Duration.ofSeconds(20));
        assertThat(accepted).hasValue(20);
        assertThat(pool.stats().queueDepth()).isEqualTo(20);
        assertThat(pool.stats().rejected()).isEqualTo(4 * 200 - 20);
    }

    @Test
    void littlesLawSizingGivesTheGuidesWorkedExample() {
        // 8 workers, 100 ms jobs, 200 ms objective: the pool drains 80 jobs/s, 100 ms of slack, queue of 8.
        assertThat(WorkerPool.maxQueueFor(100, Duration.ofMillis(100), 8, Duration.ofMillis(200))).isEqualTo(8);
        QueueSizing s = QueueSizing.of(100, Duration.ofMillis(100), 8, Duration.ofMillis(200));
        assertThat(s.serviceRatePerSecond()).isEqualTo(80.0);
        assertThat(s.utilisation()).isEqualTo(1.25);
        assertThat(s.shedRatePerSecond()).isEqualTo(20.0);
    }

    @Test
    void littlesLawSizingDependsOnDrainRateNotArrivalRate() {
        assertThat(WorkerPool.maxQueueFor(10, Duration.ofMillis(100), 8, Duration.ofMillis(200))).isEqualTo(8);
        assertThat(QueueSizing.of(40, Duration.ofMillis(100), 8, Duration.ofMillis(200)).shedRatePerSecond()).isZero();
        assertThat(WorkerPool.maxQueueFor(1000, Duration.ofMillis(50), 4, Duration.ofSeconds(1))).isEqualTo(76);
        assertThat(WorkerPool.maxQueueFor(1, Duration.ofMillis(100), 8, Duration.ofMillis(100))).isZero();
        assertThat(WorkerPool.maxQueueFor(1, Duration.ofMillis(3), 1, Duration.ofMillis(10))).isEqualTo(2);
    }

    @Test
    void littlesLawSizingRejectsImpossibleInputs() {
        assertThatThrownBy(() -> WorkerPool.maxQueueFor(1, Duration.ofMillis(100), 8, Duration.ofMillis(99)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than the service time");
        assertThatThrownBy(() -> WorkerPool.maxQueueFor(-1, Duration.ofMillis(100), 8, Duration.ofMillis(200)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkerPool.maxQueueFor(Double.NaN, Duration.ofMillis(100), 8, Duration.ofMillis(200)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkerPool.maxQueueFor(1, Duration.ZERO, 8, Duration.ofMillis(200)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkerPool.maxQueueFor(1, Duration.ofMillis(100), 0, Duration.ofMillis(200)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkerPool.maxQueueFor(1, null, 1, Duration.ofMillis(200)))
                .isInstanceOf(NullPointerException.class);
    }
}
