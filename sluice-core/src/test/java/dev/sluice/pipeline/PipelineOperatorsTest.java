package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.channel.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class PipelineOperatorsTest {

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void mapFilterAndFlatMapKeepSourceOrderOnASerialChain() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        ConcurrentList<String> out = new ConcurrentList<>();
        Pipeline.from(range(1000))
                .map("double", x -> x * 2)
                .filter("tens", x -> x % 10 == 0)
                .flatMap("twice", x -> List.of(x, x))
                .map("show", x -> "v" + x)
                .to("collect", out)
                .threads(threads)
                .run();
        List<String> expected = new ArrayList<>();
        for (int x = 0; x < 1000; x++) {
            if ((x * 2) % 10 == 0) {
                expected.add("v" + x * 2);
                expected.add("v" + x * 2);
            }
        }
        assertThat(out.snapshot()).isEqualTo(expected);
        threads.assertAllEnded();
    }

    @Test
    void aSourceFromAPortEndsWhenThePortIsClosedAndDrained() throws Exception {
        Channel<Integer> in = Channel.bounded(4);
        ConcurrentList<Integer> out = new ConcurrentList<>();
        RunningPipeline p = Pipeline.from("in", in).map("inc", x -> x + 1).to("out", out).start();
        for (int i = 0; i < 100; i++) {
            in.send(i);
        }
        in.close();
        p.await();
        assertThat(out.snapshot()).isEqualTo(IntStream.range(1, 101).boxed().toList());
    }

    @Test
    void aGeneratorSourceEndsWhenItReturns() throws Exception {
        ConcurrentList<Integer> out = new ConcurrentList<>();
        Pipeline.<Integer>generate("gen", e -> {
            for (int i = 0; i < 50; i++) {
                if (!e.emit(i)) {
                    return;
                }
            }
        }).to("out", out).run();
        assertThat(out.snapshot()).isEqualTo(range(50));
    }

    @Test
    void mergeDeliversEveryItemOfEverySourceKeepingEachSourcesOrder() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        ConcurrentList<String> out = new ConcurrentList<>();
        Pipeline<String> a = Pipeline.from("a", range(500)).map("tagA", x -> "a" + x);
        Pipeline<String> b = Pipeline.from("b", range(300)).map("tagB", x -> "b" + x);
        Pipeline<String> c = Pipeline.from("c", List.of("c0"));
        Pipeline.merge(a, b, c).to("out", out).threads(threads).run();
        List<String> got = out.snapshot();
        assertThat(got).hasSize(801);
        assertThat(got.stream().filter(s -> s.startsWith("a")).toList())
                .isEqualTo(range(500).stream().map(x -> "a" + x).toList());
        assertThat(got.stream().filter(s -> s.startsWith("b")).toList())
                .isEqualTo(range(300).stream().map(x -> "b" + x).toList());
        threads.assertAllEnded();
    }

    @Test
    void fanOutGivesEachItemToExactlyOneConsumer() throws Exception {
        List<ConcurrentList<Integer>> consumers = List.of(new ConcurrentList<>(), new ConcurrentList<>(), new ConcurrentList<>());
        RunningPipeline p = Pipeline.from(range(3000)).fanOut("workers", consumers).start();
        p.await();
        List<Integer> all = new ArrayList<>();
        consumers.forEach(c -> all.addAll(c.snapshot()));
        assertThat(all).hasSize(3000).containsExactlyInAnyOrderElementsOf(range(3000));
        assertThat(p.stats().stage("workers").orElseThrow().itemsOut()).isEqualTo(3000);
        assertThat(p.stats().stage("workers").orElseThrow().threads()).isEqualTo(3);
    }

    @Test
    void mapParallelUnorderedDeliversEveryItemOnce() throws Exception {
        ConcurrentList<Integer> out = new ConcurrentList<>();
        Pipeline.from(range(5000)).mapParallel("sq", 4, false, x -> x * x).to("out", out).run();
        assertThat(out.snapshot()).containsExactlyInAnyOrderElementsOf(range(5000).stream().map(x -> x * x).toList());
    }

    @Test
    void partitionByKeepsTheOrderOfEachKey() throws Exception {
        ConcurrentList<int[]> out = new ConcurrentList<>();
        Pipeline.from(range(4000))
                .partitionBy("byKey", x -> x % 7, 3, x -> new int[] {x % 7, x})
                .to("out", out).run();
        Map<Integer, List<Integer>> byKey = out.snapshot().stream()
                .collect(Collectors.groupingBy(a -> a[0], Collectors.mapping(a -> a[1], Collectors.toList())));
        assertThat(byKey).hasSize(7);
        byKey.forEach((k, xs) -> assertThat(xs).isSorted().hasSize((int) range(4000).stream().filter(x -> x % 7 == k).count()));
    }

    @Test
    void aChannelSinkGetsEveryItemAndIsClosedAtTheEnd() throws Exception {
        Channel<Integer> sink = Channel.bounded(1000);
        Pipeline.from(range(200)).to("chan", sink).run();
        assertThat(sink.isClosed()).isTrue();
        List<Integer> got = new ArrayList<>();
        for (Integer x : sink) {
            got.add(x);
        }
        assertThat(got).isEqualTo(range(200));
    }

    @Test
    void linksHaveTheDefaultCapacityUnlessBufferSetsAnother() throws Exception {
        RunningPipeline p = Pipeline.from("src", range(10)).buffer(3).map("m", x -> x).to("out", x -> { }).start();
        p.await();
        PipelineStats s = p.stats();
        assertThat(s.link("src->m").orElseThrow().channel().capacity()).isEqualTo(3);
        assertThat(s.link("m->out").orElseThrow().channel().capacity()).isEqualTo(Pipeline.DEFAULT_CAPACITY);
    }

    @Test
    void aDroppingLinkNeverBlocksItsProducerAndCountsWhatItDrops() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger delivered = new AtomicInteger();
        RunningPipeline p = Pipeline.from("src", range(1000))
                .buffer(4, dev.sluice.channel.Overflow.DROP_NEWEST)
                .to("slow", x -> {
                    release.await();
                    delivered.incrementAndGet();
                }).start();
        // The source finishes all 1000 items although the sink has not taken more than one.
        dev.sluice.testing.Poll.until("the source has sent everything",
                () -> p.stats().stage("src").orElseThrow().itemsIn() == 1000);
        release.countDown();
        p.await();
        LinkStats link = p.stats().link("src->slow").orElseThrow();
        assertThat(link.channel().dropped()).isPositive();
        assertThat(delivered.get() + link.channel().dropped()).isEqualTo(1000);
    }

    @Test
    void statsCountItemsInAndOutPerStage() throws Exception {
        RunningPipeline p = Pipeline.from("src", range(100))
                .filter("even", x -> x % 2 == 0)
                .batch("b", 10, Duration.ofSeconds(5))
                .to("out", x -> { }).start();
        p.await();
        PipelineStats s = p.stats();
        assertThat(s.stage("src").orElseThrow().itemsOut()).isEqualTo(100);
        assertThat(s.stage("even").orElseThrow().itemsIn()).isEqualTo(100);
        assertThat(s.stage("even").orElseThrow().itemsOut()).isEqualTo(50);
        assertThat(s.stage("b").orElseThrow().itemsIn()).isEqualTo(50);
        assertThat(s.stage("b").orElseThrow().itemsOut()).isEqualTo(5);
        assertThat(s.stage("out").orElseThrow().itemsIn()).isEqualTo(5);
        assertThat(s.stage("even").orElseThrow().inputLink()).isEqualTo("src->even");
        assertThat(s.stage("even").orElseThrow().outputLink()).isEqualTo("even->b");
    }

    @Test
    void unnamedStagesGetUniqueGeneratedNames() {
        PipelinePlan plan = Pipeline.merge(Pipeline.from(range(1)).map(x -> x), Pipeline.from(range(1)).map(x -> x))
                .to(x -> { });
        assertThat(plan.stageNames()).doesNotHaveDuplicates().hasSize(5)
                .contains("source@0", "source@0#2", "map@1", "map@1#2", "sink@3");
    }

    @Test
    void aPlanCanBeStartedAgainWithFreshLinks() throws Exception {
        ConcurrentList<Integer> out = new ConcurrentList<>();
        PipelinePlan plan = Pipeline.from(range(10)).to("out", out);
        plan.run();
        plan.run();
        assertThat(out.snapshot()).hasSize(20);
    }
}
