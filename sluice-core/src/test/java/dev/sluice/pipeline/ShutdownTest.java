package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.channel.Channel;
import dev.sluice.testing.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class ShutdownTest {

    @Test
    void drainStopsTheSourcesAndFinishesEverythingInside() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        Channel<Integer> in = Channel.bounded(100);
        CountDownLatch gate = new CountDownLatch(1);
        ConcurrentList<Integer> out = new ConcurrentList<>();
        RunningPipeline p = Pipeline.from("in", in)
                .map("gate", x -> {
                    OrderingTest.await(gate);
                    return x;
                })
                .to("out", out).threads(threads).start();
        for (int i = 0; i < 50; i++) {
            in.send(i);
        }
        Poll.until("the source has taken all 50", () -> p.stats().stage("in").orElseThrow().itemsIn() == 50);
        gate.countDown();
        // The source now waits on the open, empty port: drain must wake it, then let the 50 through.
        ShutdownReport r = p.drain(Duration.ofSeconds(10));
        assertThat(r.complete()).isTrue();
        assertThat(r.unfinished()).isZero();
        assertThat(out.snapshot()).hasSize(50);
        p.await(); // a drained pipeline completed: await returns normally
        threads.assertAllEnded();
    }

    @Test
    void drainThatTimesOutAbortsAndReportsWhatIsLeft() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        CountDownLatch never = new CountDownLatch(1);
        RunningPipeline p = Pipeline.from("src", () -> Stream.iterate(0, i -> i + 1).iterator())
                .map("stuck", x -> {
                    OrderingTest.await(never);
                    return x;
                }).to("out", x -> { }).threads(threads).start();
        Poll.until("the first link is full", () -> p.stats().link("src->stuck").orElseThrow().channel().size() == Pipeline.DEFAULT_CAPACITY);
        ShutdownReport r = p.drain(Duration.ofMillis(50));
        assertThat(r.complete()).isFalse();
        assertThat(r.leftInLinks().get("src->stuck")).hasSize(Pipeline.DEFAULT_CAPACITY);
        assertThat(r.heldByStages().get("stuck")).containsExactly(0);
        threads.assertAllEnded();
    }

    @Test
    void abortStopsNowAndReportsItemsPerLinkAndPerStage() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        CountDownLatch never = new CountDownLatch(1);
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            items.add(i);
        }
        ConcurrentList<Integer> out = new ConcurrentList<>();
        RunningPipeline p = Pipeline.from("src", items)
                .map("pass", x -> x).buffer(8)
                .map("stuck", x -> {
                    if (x == 20) {
                        OrderingTest.await(never);
                    }
                    return x;
                }).buffer(4)
                .to("out", out).threads(threads).start();
        // Full links alone are not enough: they can fill while the stuck stage is still passing early
        // items on, so also wait until it has taken item 20 (items 0..20 in), the one it holds.
        Poll.until("the stuck stage holds item 20 and the links before it are full",
                () -> p.stats().stage("stuck").orElseThrow().itemsIn() == 21
                        && p.stats().link("pass->stuck").orElseThrow().channel().size() == 8
                        && p.stats().link("src->pass").orElseThrow().channel().size() == Pipeline.DEFAULT_CAPACITY);
        ShutdownReport r = p.abort();
        threads.assertAllEnded();
        assertThat(r.complete()).isFalse();
        assertThat(r.heldByStages().get("stuck")).containsExactly(20);
        assertThat(r.leftInLinks().get("pass->stuck")).hasSize(8);
        // Every item the source took is delivered or reported, exactly once.
        List<Object> accounted = new ArrayList<>(out.snapshot());
        r.leftInLinks().values().forEach(accounted::addAll);
        r.heldByStages().values().forEach(accounted::addAll);
        long taken = p.stats().stage("src").orElseThrow().itemsIn();
        assertThat(accounted).hasSize((int) taken).doesNotHaveDuplicates();
        assertThatThrownBy(p::await).isInstanceOfSatisfying(PipelineFailedException.class,
                e -> assertThat(e.cancelledFromOutside()).isTrue());
    }

    @Test
    void abortReportsTheReorderWindowOfAnOrderedStage() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        CountingThreads threads = CountingThreads.virtual();
        RunningPipeline p = Pipeline.from("src", () -> Stream.iterate(0, i -> i + 1).iterator())
                .mapParallel("ord", 2, true, 4, x -> {
                    if (x == 0) {
                        OrderingTest.await(never);
                    }
                    return -x;
                }).to("out", x -> { }).threads(threads).start();
        Poll.until("the window is used up", () -> p.stats().stage("ord").orElseThrow().itemsIn() == 4
                && threads.made().stream().filter(t -> t.getName().contains("ord:worker")
                        && t.getState() == Thread.State.WAITING).count() == 2);
        ShutdownReport r = p.abort();
        threads.assertAllEnded();
        // Item 0 was being worked on; items 1..3 were done (their results are negative) and waited behind it.
        assertThat(r.heldByStages().get("ord")).containsExactlyInAnyOrder(0, -1, -2, -3);
    }

    @Test
    void drainOfABatchFusedWithItsSourceDeliversEveryItemTaken() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        CountDownLatch gate = new CountDownLatch(1);
        ConcurrentList<List<Integer>> out = new ConcurrentList<>();
        RunningPipeline p = Pipeline.from("src", () -> Stream.iterate(0, i -> i + 1).iterator())
                .batch(10, Duration.ofSeconds(1))
                .map("gate", l -> {
                    OrderingTest.await(gate);
                    return l;
                }).to("out", out).threads(threads).start();
        Poll.until("the link after the fused source is full",
                () -> p.stats().link("src->gate").orElseThrow().channel().size() == Pipeline.DEFAULT_CAPACITY);
        gate.countDown();
        ShutdownReport r = p.drain(Duration.ofSeconds(10));
        assertThat(r.complete()).isTrue();
        assertThat(r.unfinished()).isZero();
        long taken = p.stats().stage("src").orElseThrow().itemsIn();
        List<Integer> delivered = out.snapshot().stream().flatMap(List::stream).toList();
        assertThat(delivered).hasSize((int) taken).isEqualTo(Stream.iterate(0, i -> i + 1).limit(taken).toList());
        threads.assertAllEnded();
    }

    @Test
    void drainRejectsANegativeTimeout() throws Exception {
        RunningPipeline p = Pipeline.from(List.of(1)).to(x -> { }).start();
        assertThatThrownBy(() -> p.drain(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        p.await();
    }
}
