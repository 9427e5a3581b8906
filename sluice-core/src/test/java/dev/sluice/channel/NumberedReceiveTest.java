package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Context;
import dev.sluice.channel.internal.ChannelImpl;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.ThreadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The numbered receive used by the pipeline's ordered parallel stage: every item comes with its position in
 * the channel's FIFO order, taken in the same step, whichever path hands it over (from the buffer, from a
 * parked sender, or to a parked receiver).
 */
@Timeout(30)
class NumberedReceiveTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @CsvSource({"0, VIRTUAL", "1, VIRTUAL", "16, VIRTUAL", "0, PLATFORM", "1, PLATFORM", "16, PLATFORM"})
    void concurrentReceiversGetEachItemWithItsFifoPositionAndTheNumbersAreDense(int capacity, ThreadKind kind)
            throws Throwable {
        int items = 20_000;
        ChannelImpl<Integer> ch = (ChannelImpl<Integer>) Channel.<Integer>builder().capacity(capacity).build();
        AtomicLongArray numberOf = new AtomicLongArray(items);
        for (int i = 0; i < items; i++) {
            numberOf.set(i, -1);
        }
        List<TestThreads.Worker<Integer>> receivers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            receivers.add(threads.start(kind, "receiver-" + r, () -> {
                long[] number = new long[1];
                int got = 0;
                while (true) {
                    Integer x;
                    try {
                        // Alternate the two forms; a try that finds nothing falls back to waiting.
                        x = (got & 1) == 1 ? ch.tryReceiveNumbered(number) : null;
                        if (x == null) {
                            x = ch.receiveNumbered(Context.background(), number);
                        }
                    } catch (ChannelClosedException end) {
                        return got;
                    }
                    assertThat(numberOf.getAndSet(x, number[0])).as("item %d received once", x).isEqualTo(-1);
                    got++;
                }
            }));
        }
        TestThreads.Worker<Object> sender = threads.start(kind, "sender", () -> {
            for (int i = 0; i < items; i++) {
                ch.send(i);
            }
            ch.close();
            return null;
        });
        sender.join();
        int total = 0;
        for (TestThreads.Worker<Integer> r : receivers) {
            total += r.join();
        }
        assertThat(total).isEqualTo(items);
        // One sender, so FIFO order is the send order: item i must be number i.
        for (int i = 0; i < items; i++) {
            assertThat(numberOf.get(i)).as("number of item %d", i).isEqualTo(i);
        }
    }

    @Test
    void aReceiverParkedOnAnEmptyChannelIsHandedTheNextNumber() throws Throwable {
        ChannelImpl<String> ch = (ChannelImpl<String>) Channel.<String>builder().capacity(4).build();
        long[] number = new long[1];
        ch.send("a");
        assertThat(ch.receiveNumbered(Context.background(), number)).isEqualTo("a");
        assertThat(number[0]).isZero();
        TestThreads.Worker<Long> parked = threads.start(ThreadKind.VIRTUAL, "parked", () -> {
            long[] n = new long[1];
            assertThat(ch.receiveNumbered(Context.background(), n)).isEqualTo("b");
            return n[0];
        });
        parked.awaitParked();
        ch.send("b");
        assertThat(parked.join()).isEqualTo(1L);
        assertThat(ch.tryReceiveNumbered(number)).isNull();
        ch.close();
        assertThatThrownBy(() -> ch.receiveNumbered(Context.background(), number)).isInstanceOf(ChannelClosedException.class);
    }
}
