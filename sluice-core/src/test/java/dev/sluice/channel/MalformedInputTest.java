package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.Context;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Invalid arguments are refused at once, with a message that says why, and change nothing. */
class MalformedInputTest {

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 4})
    void aNullItemIsRefusedByEverySendFormAndLeavesTheChannelUnchanged(int capacity) {
        Channel<Integer> ch = Channel.bounded(capacity);
        if (capacity > 0) {
            ch.trySend(1);
        }
        ChannelStats before = ch.stats();
        List<ThrowingCallable> sends = List.of(() -> ch.send(null), () -> ch.trySend(null),
                () -> ch.send(null, Duration.ofMillis(1)), () -> ch.send(null, Context.background()),
                () -> ch.onSend(null, () -> "x"));
        for (ThrowingCallable s : sends) {
            assertThat(catchThrowable(s)).isInstanceOf(NullPointerException.class);
        }
        assertThat(ch.stats()).isEqualTo(before);
    }

    @Test
    void nullArgumentsOtherThanItemsAreRefused() {
        Channel<Integer> ch = Channel.bounded(1);
        List<ThrowingCallable> calls = List.of(() -> ch.send(1, (Duration) null), () -> ch.send(1, (Context) null),
                () -> ch.receive((Duration) null), () -> ch.receive((Context) null), () -> ch.fail(null),
                () -> ch.onReceive(null), () -> ch.onSend(1, null),
                () -> Channel.builder().overflow(null), () -> Channel.builder().name(null),
                () -> Channel.builder().onDrop(null));
        for (ThrowingCallable c : calls) {
            assertThat(catchThrowable(c)).isInstanceOf(NullPointerException.class);
        }
        assertThat(ch.isClosed()).as("fail(null) did not close the channel").isFalse();
        assertThat(ch.stats().sent()).isZero();
    }

    @Test
    void aNegativeCapacityIsRefusedWithTheReason() {
        assertThatThrownBy(() -> Channel.bounded(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 0")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> Channel.builder().capacity(Integer.MIN_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCapacityAboveTheMaximumIsRefusedWithTheReason() {
        assertThatThrownBy(() -> Channel.bounded(1_000_001))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1000001")
                .hasMessageContaining("maximum")
                .hasMessageContaining("unbounded");
        assertThatThrownBy(() -> Channel.builder().capacity(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBuilderWithoutCapacityRefusesToBuild() {
        assertThatThrownBy(() -> Channel.<String>builder().name("x").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("capacity");
    }

    @Test
    void dropOldestWithoutABufferIsRefused() {
        assertThatThrownBy(() -> Channel.builder().capacity(0).overflow(Overflow.DROP_OLDEST).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("DROP_OLDEST");
    }

    @Test
    void otherPoliciesAreAcceptedOnARendezvousChannel() {
        for (Overflow o : List.of(Overflow.BLOCK, Overflow.DROP_NEWEST, Overflow.REJECT)) {
            assertThat(Channel.builder().capacity(0).overflow(o).build().capacity()).isZero();
        }
    }

    @Test
    void aSelectWithoutClausesIsRefused() {
        assertThatThrownBy(() -> Select.select())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one clause");
    }

    @Test
    void aSelectWithANullClauseIsRefusedAndPerformsNothing() {
        Channel<Integer> ch = Channel.bounded(1);
        ch.trySend(1);
        assertThatThrownBy(() -> Select.select(ch.onReceive(x -> x), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Select.selectOrElse(() -> 0, null, ch.onReceive(x -> x)))
                .isInstanceOf(NullPointerException.class);
        assertThat(ch.size()).as("the valid clause was not performed").isEqualTo(1);
    }

    @Test
    void aSelectWithAForeignClauseIsRefused() {
        Clause<String> foreign = new Clause<>() { };
        assertThatThrownBy(() -> Select.select(foreign))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not made by sluice");
    }

    @Test
    void selectOrElseWithoutADefaultIsRefused() {
        Channel<Integer> ch = Channel.bounded(1);
        assertThatThrownBy(() -> Select.selectOrElse(null, ch.onReceive(x -> x))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Select.onTimeout(null, () -> 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Select.onDone(null, () -> 1)).isInstanceOf(NullPointerException.class);
    }
}
