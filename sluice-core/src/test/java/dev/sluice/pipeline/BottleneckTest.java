package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Poll;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BottleneckTest {

    private static Iterable<Integer> endless() {
        return () -> Stream.iterate(0, i -> i + 1).iterator();
    }

    @Test
    void theSlowStageIsTheBottleneck() throws Exception {
        RunningPipeline p = Pipeline.from("src", endless())
                .map("fast", x -> x)
                .map("slow", x -> {
                    try {
                        TimeUnit.MILLISECONDS.sleep(1); // simulated work: this stage is the slow one
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return x;
                })
                .map("after", x -> x)
                .to("sink", x -> { }).start();
        try {
            Poll.until("the links before the slow stage are full", () ->
                    p.stats().link("fast->slow").orElseThrow().channel().size() == Pipeline.DEFAULT_CAPACITY);
            PipelineStats before = p.stats();
            Poll.until("100 more items pass the slow stage", () ->
                    p.stats().stage("slow").orElseThrow().itemsOut() >= before.stage("slow").orElseThrow().itemsOut() + 100);
            PipelineStats after = p.stats();
            Bottleneck b = after.bottleneckSince(before).orElseThrow();
            assertThat(b.stage()).isEqualTo("slow");
            assertThat(b.inputFullRatio()).isGreaterThanOrEqualTo(PipelineStats.BOTTLENECK_THRESHOLD);
            assertThat(b.outputStarvedRatio()).isGreaterThanOrEqualTo(PipelineStats.BOTTLENECK_THRESHOLD);
            // The stage after the slow one waits for input; the one before it waits for room.
            StageStats fast = after.stage("fast").orElseThrow();
            StageStats next = after.stage("after").orElseThrow();
            assertThat(fast.blockedOnOutputNanos()).isPositive();
            assertThat(next.blockedOnInputNanos()).isPositive();
            assertThat(after.link("slow->after").orElseThrow().channel().size()).isLessThan(Pipeline.DEFAULT_CAPACITY);
        } finally {
            p.abort();
        }
    }

    @Test
    void aPipelineThatKeepsUpHasNoBottleneck() throws Exception {
        // Only the source is slow: every stage is starved, none has a full input.
        RunningPipeline p = Pipeline.<Integer>generate("slowSource", e -> {
            for (int i = 0; ; i++) {
                TimeUnit.MILLISECONDS.sleep(1); // simulated slow producer
                if (!e.emit(i)) {
                    return;
                }
            }
        }).map("m", x -> x).to("sink", x -> { }).start();
        try {
            PipelineStats before = p.stats();
            Poll.until("50 items pass", () -> p.stats().stage("sink").orElseThrow().itemsIn() >= 50);
            assertThat(p.stats().bottleneckSince(before)).isEmpty();
            assertThat(p.bottleneck()).isEmpty();
        } finally {
            p.abort();
        }
    }

    @Test
    void anEmptyIntervalHasNoBottleneck() throws Exception {
        RunningPipeline p = Pipeline.from(List.of(1)).to(x -> { }).start();
        p.await();
        PipelineStats s = p.stats();
        assertThat(s.bottleneckSince(s)).isEmpty();
    }
}
