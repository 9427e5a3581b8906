package dev.sluice.channel.lincheck;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.Select;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Linearizability of the channel's non-blocking operations, checked by Lincheck against a sequential
 * model (an {@link ArrayDeque} with a capacity and a closed flag), in both of Lincheck's modes:
 * model checking (every thread switch at a lock, park or shared-memory access is a choice point) and
 * stress (real threads, many runs). Each capacity (0, 1, 4) is its own pair of test classes, because
 * Lincheck builds the object under test with a no-argument constructor.
 *
 * <p>Operations: {@code trySend}, {@code tryReceive}, {@code send(item, Duration.ZERO)},
 * {@code receive(Duration.ZERO)}, a {@code Select.selectOrElse} send and receive (the select engine's own
 * code path), {@code close}, {@code size}, {@code isClosed}. A {@link ChannelClosedException} becomes the
 * result {@code "CLOSED"}, so "closed" is an outcome the model must predict like any other. Blocking
 * operations are not here: Lincheck's linearizability check of blocking calls needs Kotlin suspending
 * functions, so they are checked in {@link ChannelBlockingLincheckTest} with
 * {@code Lincheck.runConcurrentTest} instead.
 *
 * <p>Scenarios are 3 threads x 3 operations (as kotlinx.coroutines checks its channels), plus 2 operations
 * before and after. Iterations grow with {@code SLUICE_STRESS_SCALE}.
 */
class ChannelLinearizabilityTest {

    static final String CLOSED = "CLOSED";
    static final String EMPTY = "EMPTY";
    static final String FULL = "FULL";

    /** The operations, delegated to a real channel. Subclasses fix the capacity. */
    public abstract static class Ops {
        private final Channel<Integer> ch;

        protected Ops(int capacity) {
            ch = Channel.bounded(capacity);
        }

        @Operation
        public Object trySend(@Param(gen = IntGen.class, conf = "1:3") int v) {
            try {
                return ch.trySend(v);
            } catch (ChannelClosedException e) {
                return CLOSED;
            }
        }

        @Operation
        public Object tryReceive() {
            try {
                return ch.tryReceive();
            } catch (ChannelClosedException e) {
                return CLOSED;
            }
        }

        @Operation
        public Object sendWithZeroTimeout(@Param(gen = IntGen.class, conf = "1:3") int v) throws InterruptedException {
            try {
                return ch.send(v, Duration.ZERO);
            } catch (ChannelClosedException e) {
                return CLOSED;
            }
        }

        @Operation
        public Object receiveWithZeroTimeout() throws InterruptedException {
            try {
                return ch.receive(Duration.ZERO);
            } catch (ChannelClosedException e) {
                return CLOSED;
            }
        }

        @Operation
        public Object selectSendOrElse(@Param(gen = IntGen.class, conf = "1:3") int v) {
            try {
                return Select.selectOrElse(() -> FULL, ch.onSend(v, () -> Boolean.TRUE));
            } catch (ChannelClosedException e) {
                return CLOSED;
            }
        }

        @Operation
        public Object selectReceiveOrElse() {
            try {
                return Select.<Object>selectOrElse(() -> EMPTY, ch.onReceive(x -> x));
            } catch (ChannelClosedException e) {
                return CLOSED;
            }
        }

        @Operation
        public void close() {
            ch.close();
        }

        @Operation
        public int size() {
            return ch.size();
        }

        @Operation
        public boolean isClosed() {
            return ch.isClosed();
        }
    }

    /**
     * The sequential specification: what one channel does when the operations run one at a time. With
     * no blocking operation in a scenario no receiver is ever parked, so on capacity 0 a send never finds a
     * taker and a receive never finds an item.
     */
    public abstract static class Model {
        private final int capacity;
        private final ArrayDeque<Integer> buffer = new ArrayDeque<>();
        private boolean closed;

        protected Model(int capacity) {
            this.capacity = capacity;
        }

        private Object offer(int v, Object whenFull) {
            if (closed) {
                return CLOSED;
            }
            if (buffer.size() < capacity) {
                buffer.addLast(v);
                return Boolean.TRUE;
            }
            return whenFull;
        }

        private Object poll(Object whenEmpty) {
            if (!buffer.isEmpty()) {
                return buffer.pollFirst();
            }
            return closed ? CLOSED : whenEmpty;
        }

        public Object trySend(int v) {
            return offer(v, Boolean.FALSE);
        }

        public Object tryReceive() {
            return poll(null);
        }

        public Object sendWithZeroTimeout(int v) {
            return offer(v, Boolean.FALSE);
        }

        public Object receiveWithZeroTimeout() {
            return poll(null);
        }

        public Object selectSendOrElse(int v) {
            return offer(v, FULL);
        }

        public Object selectReceiveOrElse() {
            return poll(EMPTY);
        }

        public void close() {
            closed = true;
        }

        public int size() {
            return buffer.size();
        }

        public boolean isClosed() {
            return closed;
        }
    }

    public static class Ops0 extends Ops {
        public Ops0() {
            super(0);
        }
    }

    public static class Ops1 extends Ops {
        public Ops1() {
            super(1);
        }
    }

    public static class Ops4 extends Ops {
        public Ops4() {
            super(4);
        }
    }

    public static class Model0 extends Model {
        public Model0() {
            super(0);
        }
    }

    public static class Model1 extends Model {
        public Model1() {
            super(1);
        }
    }

    public static class Model4 extends Model {
        public Model4() {
            super(4);
        }
    }

    /**
     * A deliberately wrong model, to show that these tests can fail: in it {@code close()} does nothing,
     * so it disagrees with the channel in any scenario that closes and then looks.
     */
    public static class ModelThatIgnoresClose extends Model {
        public ModelThatIgnoresClose() {
            super(1);
        }

        @Override
        public void close() {
            // wrong on purpose
        }
    }

    private static void modelCheck(Class<?> ops, Class<?> model) {
        new ModelCheckingOptions()
                .iterations(LincheckScale.scaled(10))
                .invocationsPerIteration(50)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(model)
                .check(ops);
    }

    private static void stress(Class<?> ops, Class<?> model) {
        new StressOptions()
                .iterations(LincheckScale.scaled(10))
                .invocationsPerIteration(1_000)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(model)
                .check(ops);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void nonBlockingOperationsAreLinearizableOnRendezvousChannelUnderModelChecking() {
        modelCheck(Ops0.class, Model0.class);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void nonBlockingOperationsAreLinearizableOnCapacityOneUnderModelChecking() {
        modelCheck(Ops1.class, Model1.class);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void nonBlockingOperationsAreLinearizableOnCapacityFourUnderModelChecking() {
        modelCheck(Ops4.class, Model4.class);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aModelThatDiffersFromTheChannelIsRejected() {
        assertThatThrownBy(() -> new ModelCheckingOptions()
                .iterations(20)
                .invocationsPerIteration(10)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(ModelThatIgnoresClose.class)
                .check(Ops1.class))
                .isInstanceOf(LincheckAssertionError.class);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void nonBlockingOperationsAreLinearizableOnRendezvousChannelUnderStress() {
        stress(Ops0.class, Model0.class);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void nonBlockingOperationsAreLinearizableOnCapacityOneUnderStress() {
        stress(Ops1.class, Model1.class);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void nonBlockingOperationsAreLinearizableOnCapacityFourUnderStress() {
        stress(Ops4.class, Model4.class);
    }
}
