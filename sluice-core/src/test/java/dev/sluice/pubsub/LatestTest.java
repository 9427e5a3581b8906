package dev.sluice.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.ThreadKind;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(30)
class LatestTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    @Test
    void startsEmptyAndEachSetBumpsTheVersion() {
        Latest<String> l = Latest.create();
        assertThat(l.get()).isNull();
        assertThat(l.version()).isZero();
        assertThat(l.set("a")).isEqualTo(1);
        assertThat(l.set("b")).isEqualTo(2);
        assertThat(l.get()).isEqualTo(new Versioned<>(2, "b"));
        assertThat(Latest.of("x").get()).isEqualTo(new Versioned<>(1, "x"));
    }

    @Test
    void awaitNewerReturnsAtOnceWhenSomethingNewerExists() throws Exception {
        Latest<String> l = Latest.of("a");
        l.set("b");
        assertThat(l.awaitNewer(0)).isEqualTo(new Versioned<>(2, "b"));
        assertThat(l.awaitNewer(1, Context.background())).isEqualTo(new Versioned<>(2, "b"));
        assertThat(l.awaitNewer(1, Duration.ZERO)).isEqualTo(new Versioned<>(2, "b"));
        assertThat(l.awaitNewer(2, Duration.ZERO)).isNull();
    }

    @Test
    void awaitNewerWaitsForTheNextSet() {
        Latest<String> l = Latest.of("a");
        var p = threads.start(ThreadKind.PLATFORM, "p", () -> l.awaitNewer(1)).awaitParked();
        var v = threads.start(ThreadKind.VIRTUAL, "v", () -> l.awaitNewer(1, Context.background())).awaitParked();
        l.set("b");
        assertThat(p.join()).isEqualTo(new Versioned<>(2, "b"));
        assertThat(v.join()).isEqualTo(new Versioned<>(2, "b"));
    }

    @Test
    void timeoutsDeadlinesCancellationAndInterruptEndTheWait() throws Exception {
        Latest<String> l = Latest.of("a");
        assertThat(l.awaitNewer(1, Duration.ofMillis(20))).isNull();
        assertThatThrownBy(() -> l.awaitNewer(1, Context.background().withTimeout(Duration.ofMillis(20))))
                .isInstanceOf(DeadlineExceededException.class);
        var ctx = Context.background().withCancel();
        var cancelled = threads.start(ThreadKind.VIRTUAL, "cancelled", () -> l.awaitNewer(1, ctx)).awaitParked();
        ctx.cancel();
        assertThat(cancelled.joinFailure()).isInstanceOf(CancelledException.class);
        var interrupted = threads.start(ThreadKind.PLATFORM, "interrupted", () -> l.awaitNewer(1)).awaitParked();
        interrupted.thread().interrupt();
        assertThat(interrupted.joinFailure()).isInstanceOf(InterruptedException.class);
        var done = Context.background().withCancel();
        done.cancel();
        assertThatThrownBy(() -> l.awaitNewer(0, done)).isInstanceOf(CancelledException.class);
    }

    @Test
    void closeRefusesSetsWakesWaitersAndKeepsTheLastValue() throws Exception {
        Latest<String> l = Latest.of("a");
        var w = threads.start(ThreadKind.VIRTUAL, "w", () -> l.awaitNewer(1)).awaitParked();
        l.close();
        assertThat(w.joinFailure()).isInstanceOf(RegisterClosedException.class).hasMessageContaining("version 1");
        assertThatThrownBy(() -> l.set("b")).isInstanceOf(RegisterClosedException.class);
        assertThat(l.get()).isEqualTo(new Versioned<>(1, "a"));
        assertThat(l.awaitNewer(0)).isEqualTo(new Versioned<>(1, "a"));
        assertThat(l.isClosed()).isTrue();
    }

    @Test
    void malformedInputIsRefused() {
        Latest<String> l = Latest.create();
        assertThatThrownBy(() -> l.set(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> l.awaitNewer(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> l.awaitNewer(0, (Context) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> l.awaitNewer(0, (Duration) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Latest.of(null)).isInstanceOf(NullPointerException.class);
        assertThat(l.version()).isZero();
    }

    @Test
    void readersNeverSeeTheValueGoBackwardsAndNeverMissAChange() throws Exception {
        Latest<Long> l = Latest.create();
        int writers = 2;
        int sets = Stress.scaled(20_000);
        // Values encode (writer, counter); each writer's own values only grow.
        var ws = new java.util.ArrayList<TestThreads.Worker<Object>>();
        for (int w = 0; w < writers; w++) {
            long base = (long) w << 32;
            ws.add(threads.run(ThreadKind.PLATFORM, "writer-" + w, () -> {
                for (long i = 1; i <= sets; i++) {
                    l.set(base | i);
                }
            }));
        }
        var readers = new java.util.ArrayList<TestThreads.Worker<Long>>();
        for (int r = 0; r < 2; r++) {
            readers.add(threads.start(ThreadKind.VIRTUAL, "reader-" + r, () -> {
                long seen = 0;
                long[] lastOfWriter = new long[writers];
                long observed = 0;
                while (seen < (long) writers * sets) {
                    Versioned<Long> v = l.awaitNewer(seen, Context.background().withTimeout(Duration.ofSeconds(10)));
                    assertThat(v.version()).isGreaterThan(seen);
                    int w = (int) (v.value() >>> 32);
                    long i = v.value() & 0xFFFF_FFFFL;
                    assertThat(i).as("writer %d went backwards", w).isGreaterThanOrEqualTo(lastOfWriter[w]);
                    lastOfWriter[w] = i;
                    seen = v.version();
                    observed++;
                }
                return observed;
            }));
        }
        for (var w : ws) {
            w.join();
        }
        for (var r : readers) {
            assertThat(r.join()).isPositive();
        }
        assertThat(l.version()).isEqualTo((long) writers * sets);
    }
}
