package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.ClosedException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.pool.DrainReport;
import dev.sluice.redis.testing.Poll;
import dev.sluice.redis.testing.RedisServer;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RedisWorkQueueTest {
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
        Poll.noThreadsLeft("sluice-redis");
    }

    private static RedisWorkQueue.Builder<String> queue(int capacity) {
        return RedisWorkQueue.builder(Codec.utf8()).backend(backend).name("q" + (++names)).capacity(capacity);
    }

    @Test
    void aFullQueueRefusesTrySubmitAndSubmitWaitsUntilAnAckMakesRoom() throws Exception {
        RedisWorkQueue<String> q = queue(2).build();
        RedisWorkQueue<String> otherProducer = RedisWorkQueue.builder(Codec.utf8()).backend(backend).name(q.name()).capacity(2).build();
        assertThat(q.trySubmit("a")).isTrue();
        assertThat(otherProducer.trySubmit("b")).isTrue();
        assertThat(q.trySubmit("c")).isFalse();
        assertThat(otherProducer.trySubmit("c")).as("the bound is shared by every producer").isFalse();
        assertThat(q.backlog()).isEqualTo(2);

        AtomicReference<String> id = new AtomicReference<>();
        Thread blocked = Thread.ofVirtual().start(() -> {
            try {
                id.set(q.submit(Context.background().withTimeout(Duration.ofSeconds(20)), "c"));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        CountDownLatch ran = new CountDownLatch(3);
        RedisWorker<String> w = q.worker(RedisWorker.Options.of(1), d -> ran.countDown());
        blocked.join(20_000);
        assertThat(id.get()).isNotNull();
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        DrainReport r = w.drain(Duration.ofSeconds(5));
        assertThat(r.ran()).isEqualTo(3);
        assertThat(r.terminated()).isTrue();
        assertThat(q.backlog()).isZero();
    }

    @Test
    void aWaitingSubmitEndsWithTheContextTheInterruptOrTheClose() throws Exception {
        RedisWorkQueue<String> q = queue(1).build();
        assertThat(q.trySubmit("x")).isTrue();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> q.submit(Context.background().withTimeout(Duration.ofMillis(150)), "y"))
                .isInstanceOf(DeadlineExceededException.class);
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(2));

        CancellableContext c = Context.background().withCancel();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                q.submit(c, "y");
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        Poll.until("parked", Duration.ofSeconds(5), () -> t.getState() == Thread.State.TIMED_WAITING);
        c.cancel();
        t.join(5000);
        assertThat(thrown.get()).isInstanceOf(CancelledException.class);

        Thread i = Thread.ofPlatform().start(() -> {
            try {
                q.submit("y");
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        Poll.until("parked", Duration.ofSeconds(5), () -> i.getState() == Thread.State.TIMED_WAITING);
        i.interrupt();
        i.join(5000);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);

        Thread z = Thread.ofPlatform().start(() -> {
            try {
                q.submit("y");
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        Poll.until("parked", Duration.ofSeconds(5), () -> z.getState() == Thread.State.TIMED_WAITING);
        q.close();
        z.join(5000);
        assertThat(thrown.get()).isInstanceOf(ClosedException.class);
        assertThatThrownBy(() -> q.trySubmit("z")).isInstanceOf(ClosedException.class);
        assertThat(q.backlog()).as("nothing was enqueued by the refused submits").isEqualTo(1);
    }

    @Test
    void malformedInputIsRefusedOrDeadLetteredAndNothingElseIsLost() throws Exception {
        Codec<String> picky = Codec.of(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8), b -> {
            String s = new String(b, java.nio.charset.StandardCharsets.UTF_8);
            if (s.startsWith("bad")) {
                throw new IllegalArgumentException("cannot parse " + s);
            }
            return s;
        });
        RedisWorkQueue<String> q = RedisWorkQueue.builder(picky).backend(backend).name("q" + (++names)).capacity(10).maxPayloadBytes(16).build();
        assertThatThrownBy(() -> q.trySubmit(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> q.trySubmit("x".repeat(17))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPayloadBytes");
        assertThat(q.trySubmit("good1")).isTrue();
        assertThat(q.trySubmit("bad!")).isTrue();
        assertThat(q.trySubmit("good2")).isTrue();
        Set<String> done = ConcurrentHashMap.newKeySet();
        RedisWorker<String> w = q.worker(RedisWorker.Options.of(2), d -> done.add(d.payload()));
        Poll.until("all handled", Duration.ofSeconds(10), () -> q.backlog() == 0);
        assertThat(done).containsExactlyInAnyOrder("good1", "good2");
        List<DeadLetter> dead = q.deadLetters(10);
        assertThat(dead).hasSize(1);
        assertThat(new String(dead.get(0).payload(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("bad!");
        assertThat(dead.get(0).error()).contains("malformed payload").contains("cannot parse bad!");
        assertThat(w.deadLettered()).isEqualTo(1);
        w.drain(Duration.ofSeconds(5));
        assertThatThrownBy(() -> queue(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedisWorker.Options("w", 4, 2, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aJobThatFailsNTimesGoesToTheDeadLetterStreamWithItsLastError() throws Exception {
        RedisWorkQueue<String> q = queue(10).maxAttempts(3).build();
        q.submit("poison");
        q.submit("fine");
        AtomicInteger attempts = new AtomicInteger();
        List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        RedisWorker<String> w = q.worker(RedisWorker.Options.of(1), d -> {
            if (d.payload().equals("poison")) {
                seen.add(d.attempt());
                throw new IllegalStateException("boom " + attempts.incrementAndGet());
            }
        });
        Poll.until("handled", Duration.ofSeconds(10), () -> q.backlog() == 0);
        assertThat(seen).containsExactly(1, 2, 3);
        List<DeadLetter> dead = q.deadLetters(5);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).attempts()).isEqualTo(3);
        assertThat(dead.get(0).error()).isEqualTo("java.lang.IllegalStateException: boom 3");
        assertThat(w.failed()).isEqualTo(3);
        assertThat(w.completed()).isEqualTo(1);
        w.drain(Duration.ofSeconds(5));
    }

    @Test
    void aJobHeldByACrashedConsumerIsReclaimedAfterTheVisibilityTimeout() throws Exception {
        RedisWorkQueue<String> q = queue(10).visibilityTimeout(Duration.ofMillis(400)).build();
        q.submit("orphan");
        long t0 = System.nanoTime();
        // A consumer that takes the job and dies: a raw XREADGROUP and no ack, ever.
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<StreamMessage<String, String>> got = c.sync().xreadgroup(Consumer.from("workers", "ghost"),
                    XReadArgs.Builder.count(1), XReadArgs.StreamOffset.lastConsumed("sluice:queue:{" + q.name() + "}:stream"));
            assertThat(got).hasSize(1);
        } finally {
            client.shutdown();
        }
        List<Delivery<String>> deliveries = new java.util.concurrent.CopyOnWriteArrayList<>();
        RedisWorker<String> w = q.worker(RedisWorker.Options.of(1), deliveries::add);
        Poll.until("redelivered", Duration.ofSeconds(10), () -> q.backlog() == 0);
        assertThat(System.nanoTime() - t0).as("not before the visibility timeout")
                .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(400));
        assertThat(deliveries).hasSize(1);
        assertThat(deliveries.get(0).payload()).isEqualTo("orphan");
        assertThat(deliveries.get(0).attempt()).isEqualTo(2);
        assertThat(w.reclaimed()).isEqualTo(1);
        w.drain(Duration.ofSeconds(5));
    }

    @Test
    void aWorkerAsksForNoMoreThanItsCreditAndAbortGivesItsJobsToOthers() throws Exception {
        RedisWorkQueue<String> q = queue(20).build();
        for (int i = 0; i < 10; i++) {
            q.submit("j" + i);
        }
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        RedisWorker<String> stuck = q.worker(new RedisWorker.Options("stuck", 2, 3, false), d -> {
            started.incrementAndGet();
            never.await();
        });
        Poll.until("holding its credit, both handlers busy", Duration.ofSeconds(5), () -> stuck.held() == 3 && started.get() == 2);
        long pending = backend.async().xpending(("sluice:queue:{" + q.name() + "}:stream").getBytes(), "workers".getBytes(),
                io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(100)).toCompletableFuture().get(5, TimeUnit.SECONDS).size();
        assertThat(pending).as("fetched exactly its credit, nothing more").isEqualTo(3);
        assertThat(started.get()).isEqualTo(2);

        int givenBack = stuck.abort();
        assertThat(givenBack).isEqualTo(3);
        assertThat(stuck.awaitTermination(Duration.ofSeconds(5))).isTrue();
        Set<String> done = ConcurrentHashMap.newKeySet();
        long t0 = System.nanoTime();
        RedisWorker<String> other = q.worker(RedisWorker.Options.of(2), d -> done.add(d.payload()));
        Poll.until("all done", Duration.ofSeconds(10), () -> q.backlog() == 0);
        assertThat(System.nanoTime() - t0).as("given back at once, not after the 30 s visibility timeout")
                .isLessThan(TimeUnit.SECONDS.toNanos(10));
        assertThat(done).hasSize(10);
        other.drain(Duration.ofSeconds(5));
    }

    @Test
    void drainFinishesWhatTheWorkerHoldsAndFetchesNothingMore() throws Exception {
        RedisWorkQueue<String> q = queue(20).build();
        for (int i = 0; i < 8; i++) {
            q.submit("j" + i);
        }
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        RedisWorker<String> w = q.worker(new RedisWorker.Options("drainer", 2, 4, true), d -> {
            go.await();
            ran.incrementAndGet();
        });
        Poll.until("holding", Duration.ofSeconds(5), () -> w.held() == 4);
        Thread me = Thread.currentThread();
        Thread releaser = Thread.ofVirtual().start(() -> {
            Poll.until("the test thread waits inside drain", Duration.ofSeconds(5),
                    () -> me.getState() == Thread.State.WAITING || me.getState() == Thread.State.TIMED_WAITING);
            go.countDown();
        });
        DrainReport r = w.drain(Duration.ofSeconds(10));
        releaser.join();
        assertThat(r.ran()).isEqualTo(ran.get());
        assertThat(r.ran() + r.notStarted()).isEqualTo(4);
        assertThat(r.terminated()).isTrue();
        assertThat(q.backlog()).as("the rest is left for others").isEqualTo(8 - r.ran());
    }

    @Test
    void unreachableRedisMakesSubmitFailFastWithAClearError() throws Exception {
        try (RedisServer doomed = RedisServer.start();
             RedisBackend be = RedisBackend.builder(doomed.uri()).commandTimeout(Duration.ofMillis(300)).build()) {
            RedisWorkQueue<String> q = RedisWorkQueue.builder(Codec.utf8()).backend(be).name("u").capacity(5).build();
            assertThat(q.trySubmit("ok")).isTrue();
            doomed.kill();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> q.trySubmit("lost?")).isInstanceOf(RedisUnavailableException.class).hasMessageContaining("queue u");
            assertThatThrownBy(() -> q.submit(Context.background().withTimeout(Duration.ofSeconds(1)), "x"))
                    .isInstanceOf(RedisUnavailableException.class);
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(2));
            assertThat(be.unavailableCount()).isGreaterThanOrEqualTo(2);
        }
        assertThatThrownBy(() -> RedisBackend.builder("redis://127.0.0.1:1").connectTimeout(Duration.ofMillis(300)).build())
                .isInstanceOf(RedisUnavailableException.class).hasMessageContaining("cannot connect");
    }
}
