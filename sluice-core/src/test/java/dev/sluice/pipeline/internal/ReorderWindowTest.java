package dev.sluice.pipeline.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.Poll;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.TestThreads.Worker;
import dev.sluice.testing.ThreadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(30)
class ReorderWindowTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    @Test
    void rejectsAnEmptyWindowAndAWakeThresholdOutsideIt() {
        assertThatThrownBy(() -> new ReorderWindow(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReorderWindow(4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReorderWindow(4, 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void enterBlocksWhenEverySlotIsTakenAndResumesWhenOneComesBack(ThreadKind kind) throws Exception {
        ReorderWindow w = new ReorderWindow(3, 1);
        for (int i = 0; i < 3; i++) {
            w.enter();
        }
        assertThat(w.free()).isZero();
        Worker<Object> late = threads.<Object>run(kind, "late", w::enter).awaitParked();
        w.leave(1);
        late.join();
        assertThat(w.free()).isZero();
    }

    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void waitersAreWokenTogetherOnlyOnceWakeAtSlotsAreFree(ThreadKind kind) throws Exception {
        ReorderWindow w = new ReorderWindow(8, 4);
        for (int i = 0; i < 8; i++) {
            w.enter();
        }
        Worker<Object> a = threads.<Object>run(kind, "a", w::enter).awaitParked();
        Worker<Object> b = threads.<Object>run(kind, "b", w::enter).awaitParked();
        w.leave(1);
        w.leave(2);
        // Three slots are free, fewer than wakeAt: the waiters were not woken, so they took none of them.
        assertThat(w.free()).isEqualTo(3);
        assertThat(Poll.isParked(a.thread()) && Poll.isParked(b.thread())).isTrue();
        w.leave(1);
        a.join();
        b.join();
        assertThat(w.free()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void aWaiterWokenWithTooFewSlotsLeftWaitsForTheNextWakeUp(ThreadKind kind) throws Exception {
        ReorderWindow w = new ReorderWindow(4, 2);
        for (int i = 0; i < 4; i++) {
            w.enter();
        }
        List<Worker<Object>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(threads.<Object>run(kind, "waiter-" + i, w::enter).awaitParked());
        }
        w.leave(2); // wakes all three; two get a slot, the third finds none and waits again
        Poll.until("two waiters got a slot", () -> waiters.stream().filter(x -> !x.isAlive()).count() == 2);
        Worker<Object> third = waiters.stream().filter(Worker::isAlive).findFirst().orElseThrow();
        third.awaitParked();
        w.leave(1);
        assertThat(w.free()).isEqualTo(1);
        w.leave(1);
        third.join();
        assertThat(w.free()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void aWaiterIsInterruptibleAndLeavesTheWindowUsable(ThreadKind kind) throws Exception {
        ReorderWindow w = new ReorderWindow(2, 2);
        w.enter();
        w.enter();
        Worker<Object> waiter = threads.<Object>run(kind, "waiter", w::enter).awaitParked();
        waiter.thread().interrupt();
        assertThat(waiter.joinFailure()).isInstanceOf(InterruptedException.class);
        assertThat(w.free()).isZero();
        w.leave(2);
        w.enter();
        assertThat(w.free()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(ThreadKind.class)
    void manyThreadsNeverHoldMoreThanTheWindowAndAllSlotsComeBack(ThreadKind kind) throws Exception {
        int[][] shapes = {{1, 1}, {2, 1}, {3, 3}, {4, 2}, {5, 4}}; // fewer slots than threads: they wait
        for (int[] shape : shapes) {
            int size = shape[0];
            ReorderWindow w = new ReorderWindow(size, shape[1]);
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            List<Worker<Object>> ws = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                ws.add(threads.<Object>run(kind, "w" + t, () -> {
                    for (int i = 0; i < 5_000; i++) {
                        w.enter();
                        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        if (ThreadLocalRandom.current().nextInt(64) == 0) {
                            Thread.yield();
                        }
                        inside.decrementAndGet();
                        w.leave(1);
                    }
                }));
            }
            for (Worker<Object> x : ws) {
                x.join();
            }
            assertThat(most.get()).as("window %d", size).isLessThanOrEqualTo(size);
            assertThat(w.free()).as("window %d", size).isEqualTo(size);
        }
    }
}
