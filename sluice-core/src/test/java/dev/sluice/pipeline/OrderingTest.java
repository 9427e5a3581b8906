package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Poll;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class OrderingTest {

    /** Simulated work of random length: a pause inside a stage function, not a synchronisation. */
    private static int work(int x) throws InterruptedException {
        TimeUnit.MICROSECONDS.sleep(ThreadLocalRandom.current().nextInt(0, 300));
        return x;
    }

    @Test
    void orderedMapParallelKeepsInputOrderUnderRandomDelays() throws Exception {
        for (boolean platform : new boolean[] {false, true}) {
            CountingThreads threads = platform ? CountingThreads.platform() : CountingThreads.virtual();
            ConcurrentList<Integer> out = new ConcurrentList<>();
            List<Integer> in = IntStream.range(0, 2000).boxed().toList();
            Pipeline.from(in).mapParallel("work", 8, true, x -> {
                try {
                    return work(x);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).to("out", out).threads(threads).run();
            assertThat(out.snapshot()).isEqualTo(in);
            threads.assertAllEnded();
        }
    }

    @Test
    void orderedMapParallelKeepsInputOrderWhenTheWindowIsOftenFull() throws Exception {
        // Small windows: workers often wait for a slot and are woken together once a quarter is free.
        for (boolean platform : new boolean[] {false, true}) {
            for (int[] shape : new int[][] {{4, 1}, {4, 5}, {8, 8}, {3, 12}}) {
                int workers = shape[0];
                int window = shape[1];
                CountingThreads threads = platform ? CountingThreads.platform() : CountingThreads.virtual();
                ConcurrentList<Integer> out = new ConcurrentList<>();
                List<Integer> in = IntStream.range(0, 3000).boxed().toList();
                Pipeline.from(in).mapParallel("work", workers, true, window, x -> {
                    if (ThreadLocalRandom.current().nextInt(16) == 0) {
                        try {
                            return work(x);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return x;
                }).to("out", out).threads(threads).run();
                assertThat(out.snapshot()).as("%d workers, window %d", workers, window).isEqualTo(in);
                threads.assertAllEnded();
            }
        }
    }

    @Test
    void theDefaultWindowIs2048ItemsOnVirtualThreadsAnd64OnPlatformThreads() throws Exception {
        for (boolean platform : new boolean[] {false, true}) {
            int window = platform ? 64 : 2048;
            CountingThreads threads = platform ? CountingThreads.platform() : CountingThreads.virtual();
            CountDownLatch slow = new CountDownLatch(1);
            AtomicInteger started = new AtomicInteger();
            ConcurrentList<Integer> out = new ConcurrentList<>();
            RunningPipeline p = Pipeline.from(IntStream.range(0, 5000).boxed().toList())
                    .mapParallel("work", 4, true, x -> {
                        started.incrementAndGet();
                        if (x == 0) {
                            await(slow);
                        }
                        return x;
                    }).to("out", out).threads(threads).start();
            Poll.until("the default window is used up and every worker waits", () -> started.get() == window
                    && threads.made().stream().filter(t -> t.getName().contains("work:worker")
                            && t.getState() == Thread.State.WAITING).count() == 4);
            assertThat(out.size()).isZero();
            assertThat(p.stats().stage("work").orElseThrow().itemsIn()).isEqualTo(window);
            slow.countDown();
            p.await();
            assertThat(out.snapshot()).isEqualTo(IntStream.range(0, 5000).boxed().toList());
            threads.assertAllEnded();
        }
    }

    @Test
    void unorderedMapParallelEmitsAsDoneSoASlowItemDoesNotHoldBackLaterOnes() throws Exception {
        CountDownLatch slow = new CountDownLatch(1);
        ConcurrentList<Integer> out = new ConcurrentList<>();
        RunningPipeline p = Pipeline.from(IntStream.range(0, 100).boxed().toList())
                .mapParallel("work", 4, false, x -> {
                    if (x == 0) {
                        await(slow);
                    }
                    return x;
                }).to("out", out).start();
        Poll.until("the 99 fast items are out while item 0 is stuck", () -> out.size() == 99);
        assertThat(out.snapshot()).doesNotContain(0);
        slow.countDown();
        p.await();
        assertThat(out.snapshot()).hasSize(100).endsWith(0);
    }

    @Test
    void theReorderWindowBoundsItemsHeldBehindASlowOne() throws Exception {
        int window = 6;
        CountingThreads threads = CountingThreads.virtual();
        CountDownLatch slow = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        ConcurrentList<Integer> out = new ConcurrentList<>();
        RunningPipeline p = Pipeline.from(IntStream.range(0, 1000).boxed().toList())
                .mapParallel("work", 3, true, window, x -> {
                    started.incrementAndGet();
                    if (x == 0) {
                        await(slow);
                    }
                    return x;
                }).to("out", out).threads(threads).start();
        // Item 0 is stuck: nothing can be emitted, and once the window is used up the other workers must
        // wait for a token instead of taking more input.
        Poll.until("the window is used up and every worker waits", () -> started.get() == window
                && threads.made().stream().filter(t -> t.getName().contains("work:worker")
                        && t.getState() == Thread.State.WAITING).count() == 3);
        assertThat(out.size()).isZero();
        // Waiting, the free workers cannot start more: at most window items between input and output.
        assertThat(started.get()).isEqualTo(window);
        assertThat(p.stats().stage("work").orElseThrow().itemsIn()).isEqualTo(window);
        slow.countDown();
        p.await();
        assertThat(out.snapshot()).isEqualTo(IntStream.range(0, 1000).boxed().toList());
        threads.assertAllEnded();
    }

    @Test
    void theReorderWindowHoldsOnPlatformThreadsToo() throws Exception {
        int window = 5;
        CountingThreads threads = CountingThreads.platform();
        CountDownLatch slow = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        ConcurrentList<Integer> out = new ConcurrentList<>();
        RunningPipeline p = Pipeline.from(IntStream.range(0, 500).boxed().toList())
                .mapParallel("work", 4, true, window, x -> {
                    started.incrementAndGet();
                    if (x == 0) {
                        await(slow);
                    }
                    return x;
                }).to("out", out).threads(threads).start();
        Poll.until("the window is used up and every worker waits", () -> started.get() == window
                && threads.made().stream().filter(t -> t.getName().contains("work:worker")
                        && t.getState() == Thread.State.WAITING).count() == 4);
        assertThat(started.get()).isEqualTo(window);
        assertThat(out.size()).isZero();
        slow.countDown();
        p.await();
        assertThat(out.snapshot()).isEqualTo(IntStream.range(0, 500).boxed().toList());
        threads.assertAllEnded();
    }

    @Test
    void aFailureWhileTheWindowIsFullCancelsTheStageAndReportsTheItemAndTheWaitingResults() throws Exception {
        for (boolean platform : new boolean[] {false, true}) {
            CountingThreads threads = platform ? CountingThreads.platform() : CountingThreads.virtual();
            CountDownLatch fail = new CountDownLatch(1);
            AtomicInteger started = new AtomicInteger();
            ConcurrentList<Integer> out = new ConcurrentList<>();
            RunningPipeline p = Pipeline.from(IntStream.range(0, 1000).boxed().toList())
                    .mapParallel("work", 3, true, 6, x -> {
                        started.incrementAndGet();
                        if (x == 0) {
                            await(fail);
                            throw new IllegalStateException("item 0 is bad");
                        }
                        return -x;
                    }).to("out", out).threads(threads).start();
            Poll.until("the window is used up", () -> started.get() == 6
                    && threads.made().stream().filter(t -> t.getName().contains("work:worker")
                            && t.getState() == Thread.State.WAITING).count() == 3);
            fail.countDown();
            org.assertj.core.api.Assertions.assertThatThrownBy(p::await)
                    .isInstanceOfSatisfying(PipelineFailedException.class, e -> {
                        assertThat(e.stage()).isEqualTo("work");
                        assertThat(e.getCause()).hasMessage("item 0 is bad");
                    });
            threads.assertAllEnded();
            assertThat(out.size()).isZero();
            ShutdownReport r = p.abort();
            // Item 0 failed; 1..5 were done and waited behind it in the window. Nothing else was taken.
            assertThat(r.heldByStages().get("work")).containsExactlyInAnyOrder(0, -1, -2, -3, -4, -5);
            assertThat(started.get()).isEqualTo(6);
        }
    }

    @Test
    void cancellingFromOutsideWhileWorkersWaitForTheWindowEndsEveryThread() throws Exception {
        for (boolean platform : new boolean[] {false, true}) {
            CountingThreads threads = platform ? CountingThreads.platform() : CountingThreads.virtual();
            CountDownLatch never = new CountDownLatch(1);
            try (dev.sluice.CancellableContext ctx = dev.sluice.Context.background().withCancel()) {
                RunningPipeline p = Pipeline.from("src", () -> java.util.stream.Stream.iterate(0, i -> i + 1).iterator())
                        .mapParallel("work", 4, true, 8, x -> {
                            if (x == 3) {
                                await(never); // interrupted by the cancellation
                            }
                            return x;
                        }).to("out", x -> { }).threads(threads).start(ctx);
                Poll.until("the workers wait for the window", () -> p.stats().stage("work").orElseThrow().itemsIn() == 11
                        && threads.made().stream().filter(t -> t.getName().contains("work:worker")
                                && t.getState() == Thread.State.WAITING).count() == 4);
                ctx.cancel();
                org.assertj.core.api.Assertions.assertThatThrownBy(p::await)
                        .isInstanceOfSatisfying(PipelineFailedException.class,
                                e -> assertThat(e.cancelledFromOutside()).isTrue());
                threads.assertAllEnded();
                ShutdownReport r = p.abort();
                // 0..2 went out; 3 was being worked on; 4..10 were done and waited behind it.
                assertThat(r.heldByStages().get("work")).containsExactlyInAnyOrder(3, 4, 5, 6, 7, 8, 9, 10);
            }
        }
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
