package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.testing.Poll;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.ThreadKind;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(20)
class FailureTest {

    @RegisterExtension
    final TestThreads callers = new TestThreads();

    /** An endless source: only a stop from downstream or a cancellation ends it. */
    private static Iterable<Integer> endless() {
        return () -> Stream.iterate(0, i -> i + 1).iterator();
    }

    @Test
    void theFirstFailureCancelsEveryStageAndReachesTheCallerWithItsStageName() throws Exception {
        for (boolean platform : new boolean[] {false, true}) {
            CountingThreads threads = platform ? CountingThreads.platform() : CountingThreads.virtual();
            IllegalStateException boom = new IllegalStateException("boom at 500");
            PipelinePlan plan = Pipeline.from("src", endless())
                    .map("ok", x -> x)
                    .map("bad", x -> {
                        if (x == 500) {
                            throw boom;
                        }
                        return x;
                    })
                    .mapParallel("par", 3, true, x -> x)
                    .batch(16, Duration.ofMillis(2))
                    .to("sink", b -> { })
                    .threads(threads);
            assertThatThrownBy(plan::run)
                    .isInstanceOfSatisfying(PipelineFailedException.class, e -> {
                        assertThat(e.stage()).isEqualTo("bad");
                        assertThat(e.getCause()).isSameAs(boom);
                        assertThat(e.cancelledFromOutside()).isFalse();
                        assertThat(e.unfinished().heldByStages().get("bad")).containsExactly(500);
                        assertThat(e.unfinished().complete()).isFalse();
                    });
            threads.assertAllEnded();
        }
    }

    @Test
    void aFailingSinkUnwindsAProducerThatIsBlockedOnAFullLink() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        CountDownLatch sinkMayFail = new CountDownLatch(1);
        RunningPipeline p = Pipeline.from("src", endless())
                .to("sink", x -> {
                    OrderingTest.await(sinkMayFail);
                    throw new java.io.IOException("disk full");
                }).threads(threads).start();
        Thread source = threads.named("src:source");
        Poll.until("the source is blocked on the full link", () -> Poll.isParked(source));
        sinkMayFail.countDown();
        assertThatThrownBy(p::await).isInstanceOfSatisfying(PipelineFailedException.class, e -> {
            assertThat(e.stage()).isEqualTo("sink");
            assertThat(e.getCause()).isInstanceOf(java.io.IOException.class).hasMessage("disk full");
        });
        threads.assertAllEnded();
    }

    @Test
    void onlyTheFirstOfSeveralFailuresIsReported() throws Exception {
        CountDownLatch bothRunning = new CountDownLatch(2);
        AtomicInteger n = new AtomicInteger();
        PipelinePlan plan = Pipeline.from(IntStream.range(0, 1000).boxed().toList())
                .mapParallel("par", 2, false, x -> {
                    if (x < 2) {
                        bothRunning.countDown();
                        OrderingTest.await(bothRunning);
                        throw new IllegalArgumentException("failure " + n.incrementAndGet());
                    }
                    return x;
                }).to("sink", x -> { });
        assertThatThrownBy(plan::run).isInstanceOfSatisfying(PipelineFailedException.class, e -> {
            assertThat(e.stage()).isEqualTo("par");
            assertThat(e.getCause()).isInstanceOf(IllegalArgumentException.class);
        });
    }

    @Test
    void cancellingTheCallersContextStopsThePipeline() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        try (CancellableContext ctx = Context.background().withCancel()) {
            RunningPipeline p = Pipeline.from("src", endless()).map("m", x -> x).to("sink", x -> { })
                    .threads(threads).start(ctx);
            Poll.until("items flow", () -> p.stats().stage("sink").orElseThrow().itemsOut() > 100);
            ctx.cancel();
            assertThatThrownBy(p::await).isInstanceOfSatisfying(PipelineFailedException.class, e -> {
                assertThat(e.cancelledFromOutside()).isTrue();
                assertThat(e.stage()).isNull();
                assertThat(e.getCause()).isInstanceOf(CancelledException.class);
            });
        }
        threads.assertAllEnded();
    }

    @Test
    void aDeadlineOnTheCallersContextStopsThePipeline() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        PipelinePlan plan = Pipeline.from("src", endless()).to("sink", x -> { }).threads(threads);
        assertThatThrownBy(() -> plan.run(Context.background().withTimeout(Duration.ofMillis(50))))
                .isInstanceOfSatisfying(PipelineFailedException.class,
                        e -> assertThat(e.getCause()).isInstanceOf(DeadlineExceededException.class));
        threads.assertAllEnded();
    }

    @Test
    void cancelStopsAPipelineWhoseStageIsStuckInUserCode() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        CountDownLatch never = new CountDownLatch(1);
        RunningPipeline p = Pipeline.from("src", endless())
                .map("stuck", x -> {
                    OrderingTest.await(never); // ends only by the interrupt that cancellation sends
                    return x;
                }).to("sink", x -> { }).threads(threads).start();
        Thread stuck = threads.named("stuck:worker");
        Poll.until("the stage is stuck on the latch", () -> stuck.getState() == Thread.State.WAITING);
        p.cancel();
        assertThatThrownBy(p::await).isInstanceOfSatisfying(PipelineFailedException.class,
                e -> assertThat(e.cancelledFromOutside()).isTrue());
        threads.assertAllEnded();
        assertThat(p.isDone()).isTrue();
    }

    @Test
    void cancellingACompletedPipelineChangesNothing() throws Exception {
        RunningPipeline p = Pipeline.from(IntStream.range(0, 10).boxed().toList()).to(x -> { }).start();
        p.await();
        p.cancel();
        p.await();
        assertThat(p.await(Duration.ZERO)).isTrue();
    }

    @Test
    void anInterruptedAwaitThrowsAndLeavesThePipelineRunning() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        CountDownLatch release = new CountDownLatch(1);
        RunningPipeline p = Pipeline.from("src", IntStream.range(0, 100).boxed().toList())
                .map("gate", x -> {
                    OrderingTest.await(release);
                    return x;
                }).to("sink", x -> { }).threads(threads).start();
        TestThreads.Worker<Void> waiter = callers.run(ThreadKind.VIRTUAL, "waiter", p::await);
        Poll.until("the caller waits", () -> Poll.isParked(waiter.thread()) || waiter.thread().getState() == Thread.State.WAITING);
        waiter.thread().interrupt();
        assertThat(waiter.joinFailure()).isInstanceOf(InterruptedException.class);
        assertThat(p.isDone()).isFalse();
        release.countDown();
        p.await();
        assertThat(p.stats().stage("sink").orElseThrow().itemsOut()).isEqualTo(100);
        threads.assertAllEnded();
    }

    @Test
    void anInterruptedRunCancelsThePipelineAndReturnsAfterItsThreadsEnded() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        PipelinePlan plan = Pipeline.from("src", endless()).to("sink", x -> { }).threads(threads);
        TestThreads.Worker<Boolean> runner = callers.start(ThreadKind.PLATFORM, "runner", () -> {
            try {
                plan.run();
                return false;
            } catch (InterruptedException e) {
                return true;
            }
        });
        Poll.until("the pipeline runs", () -> threads.made().size() == 2 && threads.made().get(1).isAlive());
        runner.thread().interrupt();
        assertThat(runner.join()).isTrue();
        threads.assertAllEnded();
    }

    @Test
    void aThreadFactoryThatFailsStartsNothing() {
        AtomicInteger made = new AtomicInteger();
        CountingThreads real = CountingThreads.virtual();
        ThreadFactory failsOnThird = r -> {
            if (made.incrementAndGet() == 3) {
                throw new IllegalStateException("no more threads");
            }
            return real.newThread(r);
        };
        PipelinePlan plan = Pipeline.from(endless()).map(x -> x).map(x -> x).to(x -> { }).threads(failsOnThird);
        assertThatThrownBy(plan::start).isInstanceOf(IllegalStateException.class).hasMessage("no more threads");
        assertThat(real.made()).hasSize(2).allSatisfy(t -> assertThat(t.getState()).isEqualTo(Thread.State.NEW));
    }

    @Test
    void aFunctionReturningNullFailsItsStageWithAClearMessage() {
        PipelinePlan plan = Pipeline.from(IntStream.range(0, 5).boxed().toList()).map("nulls", x -> (Integer) null).to(x -> { });
        assertThatThrownBy(plan::run).isInstanceOfSatisfying(PipelineFailedException.class, e -> {
            assertThat(e.stage()).isEqualTo("nulls");
            assertThat(e.getCause()).isInstanceOf(NullPointerException.class).hasMessageContaining("produced null");
        });
    }

    @Test
    void aSourceWithANullItemFailsTheSource() {
        PipelinePlan plan = Pipeline.from("src", java.util.Arrays.asList(1, null, 3)).to(x -> { });
        assertThatThrownBy(plan::run).isInstanceOfSatisfying(PipelineFailedException.class, e -> {
            assertThat(e.stage()).isEqualTo("src");
            assertThat(e.getCause()).isInstanceOf(NullPointerException.class);
        });
    }
}
