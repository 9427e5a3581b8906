package dev.sluice.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Permit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Retry-After of a 503 follows the drain estimate: (waiting + 1) x service time / limit. */
class RouteGateTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void retryAfterIsOneSecondBeforeAnyServiceTimeIsKnown() {
        RouteGate gate = new RouteGate("g", p -> true, ConcurrencyLimiter.of(2), 0);
        assertThat(gate.serviceNanos()).isZero();
        assertThat(gate.retryAfterSeconds()).isEqualTo(1);
    }

    @Test
    void serviceTimeIsAMovingAverageWithWeightOneEighth() {
        RouteGate gate = new RouteGate("g", p -> true, ConcurrencyLimiter.of(2), 0);
        gate.recordService(3 * SECOND);
        assertThat(gate.serviceNanos()).isEqualTo(3 * SECOND);
        gate.recordService(1 * SECOND);
        assertThat(gate.serviceNanos()).isEqualTo(3 * SECOND - (2 * SECOND) / 8);
    }

    @Test
    @Timeout(20)
    void retryAfterGrowsWithTheQueueAndShrinksWithTheLimit() throws Exception {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.of(2);
        RouteGate gate = new RouteGate("g", p -> true, limiter, 0);
        gate.recordService(3 * SECOND);
        assertThat(gate.retryAfterSeconds()).isEqualTo(2); // ceil(1 x 3 s / 2)

        Permit a = limiter.acquire();
        Permit b = limiter.acquire();
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(Thread.ofPlatform().start(() -> {
                try {
                    limiter.acquire().close();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }));
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (limiter.waiting() < 3) {
            assertThat(System.nanoTime() - end).as("three waiters queued").isNegative();
            LockSupport.parkNanos(100_000);
        }
        assertThat(gate.retryAfterSeconds()).isEqualTo(6); // ceil((3 + 1) x 3 s / 2)
        a.close();
        b.close();
        for (Thread t : waiters) {
            t.join(10_000);
        }
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void retryAfterIsCappedAtFiveMinutes() {
        RouteGate gate = new RouteGate("g", p -> true, ConcurrencyLimiter.of(1), 0);
        gate.recordService(3600 * SECOND);
        assertThat(gate.retryAfterSeconds()).isEqualTo(RouteGate.MAX_RETRY_AFTER_SECONDS);
    }
}
