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

    static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
