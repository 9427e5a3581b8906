package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.channel.Channel;
import dev.sluice.testing.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class BatchTest {

    @Test
    void flushesOnSizeAndTheRemainderWhenTheInputEnds() throws Exception {
        ConcurrentList<List<Integer>> out = new ConcurrentList<>();
        Pipeline.from(IntStream.range(0, 130).boxed().toList())
                .batch(64, Duration.ofHours(1))
                .to("out", out).run();
        List<List<Integer>> got = out.snapshot();
        assertThat(got).extracting(List::size).containsExactly(64, 64, 2);
        assertThat(got.stream().flatMap(List::stream).toList()).isEqualTo(IntStream.range(0, 130).boxed().toList());
    }

    @Test
    void flushesAPartialBatchWhenMaxWaitPassesWhileTheInputStaysOpen() throws Exception {
        Channel<Integer> in = Channel.bounded(16);
        ConcurrentList<List<Integer>> out = new ConcurrentList<>();
        RunningPipeline p = Pipeline.from("in", in).batch(100, Duration.ofMillis(20)).to("out", out).start();
        long t0 = System.nanoTime();
        in.send(1);
        in.send(2);
        in.send(3);
        Poll.until("a partial batch is flushed by time", () -> out.size() == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(20));
        assertThat(out.snapshot().get(0)).containsExactly(1, 2, 3);
        in.send(4);
        Poll.until("the next partial batch is flushed by time too", () -> out.size() == 2);
        assertThat(out.snapshot().get(1)).containsExactly(4);
        in.close();
        p.await();
        assertThat(out.size()).isEqualTo(2);
    }

    @Test
    void zeroMaxWaitFlushesWhateverIsAvailable() throws Exception {
        Channel<Integer> in = Channel.bounded(16);
        ConcurrentList<List<Integer>> out = new ConcurrentList<>();
        RunningPipeline p = Pipeline.from("in", in).batch(100, Duration.ZERO).to("out", out).start();
        in.send(7);
        Poll.until("a lone item is flushed at once", () -> out.size() == 1);
        assertThat(out.snapshot().get(0)).containsExactly(7);
        in.close();
        p.await();
    }

    @Test
    void neverReusesAListItHasHandedOnFusedWithTheSource() throws Exception {
        checkNoReuse(Pipeline.from(IntStream.range(0, 1000).boxed().toList()));
    }

    @Test
    void neverReusesAListItHasHandedOnAfterAStage() throws Exception {
        checkNoReuse(Pipeline.from(IntStream.range(0, 1000).boxed().toList()).map("m", x -> x));
    }

    @Test
    void rightAfterAnIterableSourceTheBatchRunsOnTheSourcesThread() throws Exception {
        RunningPipeline fused = Pipeline.from("src", IntStream.range(0, 100).boxed().toList())
                .batch(10, Duration.ofSeconds(1)).to("out", b -> { }).start();
        fused.await();
        StageStats src = fused.stats().stage("src").orElseThrow();
        assertThat(src.kind()).isEqualTo("batch");
        assertThat(src.itemsIn()).isEqualTo(100);
        assertThat(src.itemsOut()).isEqualTo(10);
        assertThat(fused.stats().stages()).hasSize(2);
        // A configured source link is kept, and with it a separate batch stage.
        RunningPipeline separate = Pipeline.from("src", IntStream.range(0, 100).boxed().toList()).buffer(8)
                .batch("b", 10, Duration.ofSeconds(1)).to("out", b -> { }).start();
        separate.await();
        assertThat(separate.stats().stages()).extracting(StageStats::name).containsExactly("src", "b", "out");
    }

    private static void checkNoReuse(Pipeline<Integer> upstream) throws Exception {
        List<List<Integer>> received = new ArrayList<>();
        List<List<Integer>> copies = new ArrayList<>();
        upstream
                .batch(7, Duration.ofMillis(1))
                .to("out", batch -> {
                    received.add(batch);
                    copies.add(List.copyOf(batch));
                }).run();
        IdentityHashMap<List<Integer>, Boolean> distinct = new IdentityHashMap<>();
        received.forEach(l -> distinct.put(l, true));
        assertThat(distinct).hasSameSizeAs(received);
        // Each list still holds exactly what it held when it arrived: nothing wrote to it afterwards.
        assertThat(received).isEqualTo(copies);
        assertThat(received.stream().flatMap(List::stream).toList()).isEqualTo(IntStream.range(0, 1000).boxed().toList());
    }
}
