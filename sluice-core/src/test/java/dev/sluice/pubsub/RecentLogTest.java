package dev.sluice.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.TestThreads;
import dev.sluice.testing.ThreadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(30)
class RecentLogTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    @Test
    void keepsTheNewestItemsInOrderWithTheirSequenceNumbers() {
        RecentLog<String> log = RecentLog.create(3);
        assertThat(log.snapshot()).isEmpty();
        assertThat(log.append("a")).isZero();
        log.append("b");
        assertThat(log.snapshot()).containsExactly(new Sequenced<>(0, "a"), new Sequenced<>(1, "b"));
        log.append("c");
        log.append("d");
        assertThat(log.append("e")).isEqualTo(4);
        assertThat(log.snapshot()).containsExactly(new Sequenced<>(2, "c"), new Sequenced<>(3, "d"), new Sequenced<>(4, "e"));
        assertThat(log.overwritten()).isEqualTo(2);
        assertThat(log.appended()).isEqualTo(5);
        assertThat(log.capacity()).isEqualTo(3);
    }

    @Test
    void capacityOneKeepsOnlyTheLast() {
        RecentLog<Integer> log = RecentLog.create(1);
        for (int i = 0; i < 10; i++) {
            log.append(i);
        }
        assertThat(log.snapshot()).containsExactly(new Sequenced<>(9, 9));
        assertThat(log.overwritten()).isEqualTo(9);
    }

    @Test
    void closedRefusesAppendsButStillSnapshots() {
        RecentLog<Integer> log = RecentLog.create(2);
        log.append(1);
        log.close();
        log.close();
        assertThat(log.isClosed()).isTrue();
        assertThatThrownBy(() -> log.append(2)).isInstanceOf(RegisterClosedException.class);
        assertThat(log.snapshot()).containsExactly(new Sequenced<>(0, 1));
        assertThat(log.appended()).isEqualTo(1);
    }

    @Test
    void malformedInputIsRefused() {
        assertThatThrownBy(() -> RecentLog.create(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
        assertThatThrownBy(() -> RecentLog.create(-5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RecentLog.create(RecentLog.MAX_CAPACITY + 1)).isInstanceOf(IllegalArgumentException.class);
        RecentLog<String> log = RecentLog.create(2);
        assertThatThrownBy(() -> log.append(null)).isInstanceOf(NullPointerException.class);
        assertThat(log.appended()).isZero();
    }

    @Test
    void snapshotsUnderConcurrentWritersAreOrderedWithinTheWindowAndNeverTorn() throws Exception {
        int capacity = 64;
        int writers = 3;
        int perWriter = Stress.scaled(100_000);
        RecentLog<long[]> log = RecentLog.create(capacity);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<TestThreads.Worker<Object>> ws = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            ws.add(threads.run(ThreadKind.PLATFORM, "writer-" + w, () -> {
                for (long i = 0; i < perWriter; i++) {
                    // An item is two fields that must match: a torn read would show a mismatch.
                    log.append(new long[] {id, i, id * 1_000_000_000L + i});
                }
            }));
        }
        var reader = threads.start(ThreadKind.PLATFORM, "reader", () -> {
            long snapshots = 0;
            long complete = 0;
            do {
                long before = log.appended();
                List<Sequenced<long[]>> snap = log.snapshot();
                long after = log.appended();
                assertThat(snap.size()).isLessThanOrEqualTo(capacity);
                long[] lastOfWriter = {-1, -1, -1};
                long prevSeq = -1;
                for (Sequenced<long[]> e : snap) {
                    assertThat(e.sequence()).isGreaterThan(prevSeq);
                    long[] v = e.value();
                    assertThat(v[2]).isEqualTo(v[0] * 1_000_000_000L + v[1]);
                    assertThat(v[1]).as("writer %d order", v[0]).isGreaterThan(lastOfWriter[(int) v[0]]);
                    lastOfWriter[(int) v[0]] = v[1];
                    prevSeq = e.sequence();
                }
                if (!snap.isEmpty()) {
                    assertThat(snap.get(0).sequence()).isGreaterThanOrEqualTo(before - capacity);
                    assertThat(prevSeq).isLessThan(after);
                    if (snap.size() == Math.min(capacity, snap.get(snap.size() - 1).sequence() + 1)
                            && prevSeq - snap.get(0).sequence() == snap.size() - 1) {
                        complete++;
                    }
                }
                snapshots++;
            } while (writing.get());
            return new long[] {snapshots, complete};
        });
        for (var w : ws) {
            w.join();
        }
        writing.set(false);
        long[] counts = reader.join();
        assertThat(counts[0]).isPositive();
        assertThat(log.appended()).isEqualTo((long) writers * perWriter);
        assertThat(log.overwritten()).isEqualTo((long) writers * perWriter - capacity);
        List<Sequenced<long[]>> last = log.snapshot();
        assertThat(last).hasSize(capacity);
        assertThat(last.get(0).sequence()).isEqualTo((long) writers * perWriter - capacity);
        assertThat(last.get(capacity - 1).sequence()).isEqualTo((long) writers * perWriter - 1);
    }
}
