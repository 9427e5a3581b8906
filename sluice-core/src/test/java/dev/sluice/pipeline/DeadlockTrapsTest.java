package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.channel.Channel;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Go guide's pipeline deadlocks, each of which must be refused or must end. */
@Timeout(20)
class DeadlockTrapsTest {

    private static Iterable<Integer> endless() {
        return () -> Stream.iterate(0, i -> i + 1).iterator();
    }

    @Test
    void aCycleThroughAChannelIsRefusedWhenThePlanIsBuilt() {
        Channel<Integer> loop = Channel.bounded(4);
        assertThatThrownBy(() -> Pipeline.from("read", loop).map("step", x -> x + 1).to("write", loop))
                .isInstanceOfSatisfying(PipelineCycleException.class,
                        e -> assertThat(e.cycle()).containsExactly("read", "step", "write", "read"))
                .hasMessageContaining("read -> step -> write -> read");
        assertThat(loop.isClosed()).isFalse();
    }

    @Test
    void aCycleBetweenTwoStagesOfTwoPlansIsRefusedWhenTheyAreJoined() {
        Channel<Integer> aToB = Channel.bounded(4);
        Channel<Integer> bToA = Channel.bounded(4);
        PipelinePlan a = Pipeline.from("fromB", bToA).map("a", x -> x).to("toB", aToB);
        PipelinePlan b = Pipeline.from("fromA", aToB).map("b", x -> x).to("toA", bToA);
        assertThatThrownBy(() -> PipelinePlan.together(a, b))
                .isInstanceOfSatisfying(PipelineCycleException.class,
                        e -> assertThat(e.cycle()).contains("a", "b").first().isEqualTo(e.cycle().getLast()));
    }

    @Test
    void twoPlansJoinedWithoutACycleRunAsOne() throws Exception {
        Channel<Integer> middle = Channel.bounded(4);
        ConcurrentList<Integer> out = new ConcurrentList<>();
        PipelinePlan first = Pipeline.from("src", List.of(1, 2, 3)).to("toMiddle", middle);
        PipelinePlan second = Pipeline.from("fromMiddle", middle).map("x10", x -> x * 10).to("out", out);
        PipelinePlan.together(first, second).run();
        assertThat(out.snapshot()).containsExactly(10, 20, 30);
    }

    @Test
    void aStageFeedingTwoStagesIsRefused() {
        Pipeline<Integer> shared = Pipeline.from("src", List.of(1)).map("shared", x -> x);
        Pipeline<Integer> merged = Pipeline.merge(shared.map("left", x -> x), shared.map("right", x -> x));
        assertThatThrownBy(() -> merged.to("out", x -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'shared' feeds both");
    }

    @Test
    void aConsumerThatReturnsEarlyDoesNotLeaveTheProducersBlocked() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        AtomicInteger generated = new AtomicInteger();
        ConcurrentList<Integer> firstThree = new ConcurrentList<>();
        RunningPipeline p = Pipeline.<Integer>generate("gen", e -> {
            for (int i = 0; e.emit(i); i++) {
                generated.incrementAndGet();
            }
        }).map("m", x -> x).mapParallel("par", 2, true, x -> x)
                .consume("first3", (in, ctx) -> {
                    for (int i = 0; i < 3; i++) {
                        firstThree.accept(in.receive(ctx));
                    }
                }).threads(threads).start();
        p.await(); // completes normally: stopping early is not a failure
        assertThat(firstThree.snapshot()).containsExactly(0, 1, 2);
        threads.assertAllEnded();
        assertThat(p.stats().stage("first3").orElseThrow().itemsIn()).isEqualTo(3);
    }

    @Test
    void limitStopsAnEndlessSourceAndThePipelineCompletes() throws Exception {
        for (boolean platform : new boolean[] {false, true}) {
            CountingThreads threads = platform ? CountingThreads.platform() : CountingThreads.virtual();
            ConcurrentList<Integer> out = new ConcurrentList<>();
            Pipeline.from("src", endless()).map("m", x -> x).batch(10, java.time.Duration.ofMillis(1))
                    .flatMap("unbatch", l -> l).limit(25).map("after", x -> x).to("out", out).threads(threads).run();
            assertThat(out.snapshot()).isEqualTo(Stream.iterate(0, i -> i + 1).limit(25).toList());
            threads.assertAllEnded();
        }
    }

    @Test
    void anOutputChannelClosedByItsOwnerStopsThePipelineWithoutBlockingIt() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        Channel<Integer> out = Channel.bounded(2);
        RunningPipeline p = Pipeline.from("src", endless()).map("m", x -> x).to("chan", out).threads(threads).start();
        assertThat(out.receive()).isZero();
        out.close(); // the reader is done: the sink's next send is refused
        p.await();
        threads.assertAllEnded();
    }

    @Test
    void aSinkThatThrowsDoesNotLeaveTheProducersBlocked() throws Exception {
        CountingThreads threads = CountingThreads.virtual();
        AtomicInteger seen = new AtomicInteger();
        PipelinePlan plan = Pipeline.from("src", endless()).map("m", x -> x).to("sink", x -> {
            if (seen.incrementAndGet() == 3) {
                throw new IllegalStateException("enough");
            }
        }).threads(threads);
        assertThatThrownBy(plan::run).isInstanceOf(PipelineFailedException.class).hasRootCauseMessage("enough");
        threads.assertAllEnded();
    }
}
