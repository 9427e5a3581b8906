package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.LimiterClosedException;
import dev.sluice.limit.Permit;
import dev.sluice.limit.WaitQueueFullException;
import dev.sluice.redis.testing.Poll;
import dev.sluice.redis.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RedisConcurrencyLimiterTest {
    static RedisServer redis;
    static RedisBackend backend;
    static int names;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        backend = RedisBackend.connect(redis.uri());
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
        redis.close();
        Poll.noThreadsLeft("sluice-lease");
    }

    private static RedisConcurrencyLimiter.Builder limiter(int limit) {
        return RedisConcurrencyLimiter.builder().backend(backend).name("l" + (++names)).limit(limit);
    }

    @Test
    void theLimitHoldsAcrossInstancesAndReleaseIsIdempotent() {
        RedisConcurrencyLimiter.Builder b = limiter(2);
        try (RedisConcurrencyLimiter one = b.build(); RedisConcurrencyLimiter two = b.build()) {
            Permit p1 = one.tryAcquire();
            Permit p2 = two.tryAcquire();
            assertThat(p1).isNotNull();
            assertThat(p2).isNotNull();
            assertThat(one.tryAcquire()).isNull();
            assertThat(two.tryAcquire()).isNull();
            assertThat(one.fleetInflight()).isEqualTo(2);
            assertThat(one.inflight()).isEqualTo(1);
            p1.close();
            p1.close();
            p1.releaseDropped();
            assertThat(p1.isReleased()).isTrue();
            assertThat(two.fleetInflight()).isEqualTo(1);
            Permit p3 = two.tryAcquire();
            assertThat(p3).isNotNull();
            assertThat(two.tryAcquire()).as("a double release freed nothing extra").isNull();
            p2.close();
            p3.close();
            assertThat(one.fleetInflight()).isZero();
        }
    }

    @Test
    void weightsCountAndAnOverweightPermitRunsAlone() throws Exception {
        try (RedisConcurrencyLimiter l = limiter(3).build()) {
            Permit heavy = l.tryAcquire(2);
            assertThat(heavy).isNotNull();
            assertThat(l.tryAcquire(2)).isNull();
            Permit light = l.tryAcquire(1);
            assertThat(light).isNotNull();
            heavy.close();
            light.close();
            Permit huge = l.tryAcquire(10);
            assertThat(huge).as("heavier than the limit, admitted when nothing is in flight").isNotNull();
            assertThat(l.tryAcquire()).isNull();
            huge.close();
            assertThatThrownBy(() -> l.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> l.acquire(1_000_001)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aWaiterIsAdmittedWhenAnotherInstanceReleases() throws Exception {
        RedisConcurrencyLimiter.Builder b = limiter(1);
        try (RedisConcurrencyLimiter one = b.build(); RedisConcurrencyLimiter two = b.build()) {
            Permit held = one.acquire();
            AtomicReference<Permit> got = new AtomicReference<>();
            Thread waiter = Thread.ofVirtual().start(() -> {
                try {
                    got.set(two.acquire(Context.background().withTimeout(Duration.ofSeconds(10))));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            Poll.until("the waiter waits", Duration.ofSeconds(5), () -> two.waiting() == 1);
            assertThat(got.get()).isNull();
            held.close();
            waiter.join(10_000);
            assertThat(got.get()).isNotNull();
            got.get().close();
        }
    }

    @Test
    void deadlinesCancellationInterruptsClosingAndAFullWaitQueueEndWaiting() throws Exception {
        RedisConcurrencyLimiter.Builder b = limiter(1).maxWaiters(1);
        try (RedisConcurrencyLimiter l = b.build()) {
            Permit held = l.acquire();
            long t0 = System.nanoTime();
            assertThat(l.tryAcquire(Duration.ofMillis(100))).isNull();
            assertThatThrownBy(() -> l.acquire(Context.background().withTimeout(Duration.ofMillis(100))))
                    .isInstanceOf(DeadlineExceededException.class);
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(2));

            CancellableContext c = Context.background().withCancel();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread w = Thread.ofPlatform().start(() -> {
                try {
                    l.acquire(c);
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            Poll.until("waiting", Duration.ofSeconds(5), () -> l.waiting() == 1);
            assertThatThrownBy(() -> l.acquire(Context.background().withTimeout(Duration.ofSeconds(5))))
                    .isInstanceOf(WaitQueueFullException.class);
            c.cancel();
            w.join(5000);
            assertThat(thrown.get()).isInstanceOf(CancelledException.class);

            Thread i = Thread.ofPlatform().start(() -> {
                try {
                    l.acquire();
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            Poll.until("waiting again", Duration.ofSeconds(5), () -> l.waiting() == 1);
            i.interrupt();
            i.join(5000);
            assertThat(thrown.get()).isInstanceOf(InterruptedException.class);

            Thread z = Thread.ofPlatform().start(() -> {
                try {
                    l.acquire();
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            Poll.until("waiting a third time", Duration.ofSeconds(5), () -> l.waiting() == 1);
            l.close();
            z.join(5000);
            assertThat(thrown.get()).isInstanceOf(LimiterClosedException.class);
            assertThatThrownBy(l::tryAcquire).isInstanceOf(LimiterClosedException.class);
            held.close();
            assertThat(l.fleetInflight()).as("a permit held across close is still released").isZero();
        }
    }

    @Test
    void aDeadHoldersPermitReturnsWhenItsLeaseExpiresAndALiveOneIsRenewed() throws Exception {
        String name = "lease" + (++names);
        try (RedisConcurrencyLimiter live = RedisConcurrencyLimiter.builder().backend(backend).name(name).limit(1)
                .lease(Duration.ofMillis(300)).build()) {
            try (RedisBackend doomed = RedisBackend.connect(redis.uri())) {
                RedisConcurrencyLimiter dying = RedisConcurrencyLimiter.builder().backend(doomed).name(name).limit(1)
                        .lease(Duration.ofMillis(300)).build();
                Permit renewed = dying.acquire();
                // Three lease periods: the renewal thread keeps it.
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(900);
                while (System.nanoTime() - end < 0) {
                    assertThat(live.tryAcquire()).as("a renewed lease is not taken over").isNull();
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
                assertThat(dying.leasesLost()).isZero();
                assertThat(renewed.isReleased()).isFalse();
                dying.close();
            } // the holder's connection dies with its permit unreleased: nothing renews it now
            long t0 = System.nanoTime();
            Permit p = live.acquire(Context.background().withTimeout(Duration.ofSeconds(5)));
            long waited = System.nanoTime() - t0;
            assertThat(waited).as("returned at lease expiry, not before the lease was over")
                    .isLessThan(TimeUnit.SECONDS.toNanos(3));
            p.close();
        }
    }

    @Test
    void unreachableRedisFailsClosedByDefaultAndOpenToTheLocalLimiterWhenAsked() throws Exception {
        try (RedisServer doomed = RedisServer.start();
             RedisBackend be = RedisBackend.builder(doomed.uri()).commandTimeout(Duration.ofMillis(300)).build();
             ConcurrencyLimiter local = ConcurrencyLimiter.of(1);
             RedisConcurrencyLimiter closed = RedisConcurrencyLimiter.builder().backend(be).name("u").limit(5).build();
             RedisConcurrencyLimiter open = RedisConcurrencyLimiter.builder().backend(be).name("u").limit(5).failOpen(local).build()) {
            Permit before = closed.tryAcquire();
            assertThat(before).isNotNull();
            doomed.kill();
            long t0 = System.nanoTime();
            assertThat(closed.tryAcquire()).isNull();
            assertThatThrownBy(() -> closed.acquire(Context.background().withTimeout(Duration.ofSeconds(1))))
                    .isInstanceOf(RedisUnavailableException.class);
            assertThat(closed.unavailableCount()).isEqualTo(2);
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(2));
            before.close(); // cannot reach Redis: counted, not thrown

            Permit p = open.tryAcquire();
            assertThat(p).isNotNull();
            assertThat(open.tryAcquire()).as("the local limit of 1 holds").isNull();
            assertThat(local.inflight()).isEqualTo(1);
            p.close();
            assertThat(local.inflight()).isZero();
            assertThat(open.unavailableCount()).isEqualTo(2);
        }
    }
}
