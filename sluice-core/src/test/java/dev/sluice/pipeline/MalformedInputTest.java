package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.channel.Overflow;
import dev.sluice.channel.ReceivePort;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad arguments are refused when the operator is called, with a message naming the problem; nothing runs. */
@Timeout(10)
class MalformedInputTest {

    private final Pipeline<Integer> p = Pipeline.from("src", List.of(1, 2, 3));

    @Test
    void nullFunctionsAndSourcesAreRefused() {
        assertThatThrownBy(() -> Pipeline.from((Iterable<Integer>) null)).isInstanceOf(NullPointerException.class).hasMessage("items");
        assertThatThrownBy(() -> Pipeline.from((ReceivePort<Integer>) null)).isInstanceOf(NullPointerException.class).hasMessage("port");
        assertThatThrownBy(() -> Pipeline.generate("g", null)).isInstanceOf(NullPointerException.class).hasMessage("generator");
        assertThatThrownBy(() -> p.map("m", null)).isInstanceOf(NullPointerException.class).hasMessage("function");
        assertThatThrownBy(() -> p.filter("f", null)).isInstanceOf(NullPointerException.class).hasMessage("predicate");
        assertThatThrownBy(() -> p.flatMap("f", null)).isInstanceOf(NullPointerException.class).hasMessage("function");
        assertThatThrownBy(() -> p.mapParallel("m", 2, true, null)).isInstanceOf(NullPointerException.class).hasMessage("function");
        assertThatThrownBy(() -> p.mapParallel("m", 2, false, null)).isInstanceOf(NullPointerException.class).hasMessage("function");
        assertThatThrownBy(() -> p.partitionBy("p", null, 2, x -> x)).isInstanceOf(NullPointerException.class).hasMessage("keyFunction");
        assertThatThrownBy(() -> p.partitionBy("p", x -> x, 2, (Function<Integer, Integer>) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.to("s", (Sink<Integer>) null)).isInstanceOf(NullPointerException.class).hasMessage("sink");
        assertThatThrownBy(() -> p.fanOut("s", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.fanOut("s", java.util.Arrays.asList(x -> { }, null))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.consume("c", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.batch(4, null)).isInstanceOf(NullPointerException.class).hasMessage("maxWait");
        assertThatThrownBy(() -> p.buffer(4, null)).isInstanceOf(NullPointerException.class).hasMessage("overflow");
        assertThatThrownBy(() -> Pipeline.merge((Pipeline<Integer>) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.to(x -> { }).start(null)).isInstanceOf(NullPointerException.class).hasMessage("context");
        assertThatThrownBy(() -> p.to(x -> { }).threads(null)).isInstanceOf(NullPointerException.class).hasMessage("factory");
        assertThatThrownBy(() -> p.map(null, x -> x)).isInstanceOf(NullPointerException.class).hasMessage("name");
    }

    @Test
    void countsAndSizesBelowOneAndNegativeWaitsAreRefused() {
        assertThatThrownBy(() -> p.mapParallel("m", 0, true, x -> x)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n >= 1");
        assertThatThrownBy(() -> p.mapParallel("m", -3, false, x -> x)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n >= 1");
        assertThatThrownBy(() -> p.mapParallel("m", 2, true, 0, x -> x)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window");
        assertThatThrownBy(() -> p.batch(0, Duration.ofMillis(1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch size");
        assertThatThrownBy(() -> p.batch(10, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> p.partitionBy("p", x -> x, 0, x -> x)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lanes");
        assertThatThrownBy(() -> p.partitionBy("p", x -> x, 2, 0, x -> x)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lane capacity");
        assertThatThrownBy(() -> p.limit(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit");
        assertThatThrownBy(() -> p.buffer(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
        assertThatThrownBy(() -> p.buffer(0, Overflow.DROP_OLDEST)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DROP_OLDEST");
        assertThatThrownBy(() -> p.fanOut("s", List.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
        assertThatThrownBy(() -> Pipeline.merge(List.<Pipeline<Integer>>of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.map(" ", x -> x)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
        assertThatThrownBy(() -> PipelinePlan.together()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void duplicateStageNamesAreRefusedWhenThePlanIsBuilt() {
        assertThatThrownBy(() -> p.map("same", x -> x).map("same", x -> x).to(x -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two stages are named 'same'");
    }
}
