package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.BusyException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.channel.Channel;
import dev.sluice.channel.Overflow;
import dev.sluice.channel.Select;
import dev.sluice.flow.FlowAdapters;
import dev.sluice.http.AdmissionControl;
import dev.sluice.limit.AimdLimit;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Discipline;
import dev.sluice.limit.Permit;
import dev.sluice.limit.TokenBucket;
import dev.sluice.pipeline.Pipeline;
import dev.sluice.pipeline.RunningPipeline;
import dev.sluice.pool.DrainReport;
import dev.sluice.pool.Job;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pubsub.Broadcaster;
import dev.sluice.pubsub.Latest;
import dev.sluice.pubsub.SlowSubscriberPolicy;
import dev.sluice.pubsub.Subscription;
import dev.sluice.retry.RetryBudget;
import dev.sluice.retry.RetryPolicy;
import dev.sluice.spill.SpillChannel;
import dev.sluice.spill.SpillSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snippets of docs/GUIDE.md, compiled and run, so that the guide cannot drift from the API. Each
 * test follows one section, with just enough around it to run.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuideSnippetsTest {

    @TempDir
    Path tmp;

    @Test
    void aBoundedBuffer() throws Exception {
        Channel<String> jobs = Channel.bounded(100);
        Channel<String> handOff = Channel.rendezvous();
        jobs.send("job");
        jobs.close();
        List<String> handled = new ArrayList<>();
        for (String j : jobs) {
            handled.add(j);
        }
        assertThat(handled).containsExactly("job");
        assertThat(handOff.capacity()).isZero();
    }

    @Test
    void blockDropOrReject() throws Exception {
        Channel<String> lines = Channel.<String>builder().capacity(2).overflow(Overflow.DROP_OLDEST).name("telemetry").build();
        for (int i = 0; i < 5; i++) {
            lines.send("line " + i); // never waits
        }
        assertThat(lines.stats().dropped()).isEqualTo(3);
        Channel<String> orders = Channel.bounded(1);
        assertThat(orders.trySend("a")).isTrue();
        assertThat(orders.trySend("b")).isFalse();
    }

    @Test
    void selectWithADefault() throws Exception {
        Channel<Integer> results = Channel.bounded(1);
        results.send(7);
        String r = Select.select(results.onReceive(v -> "result " + v),
                Select.onTimeout(Duration.ofSeconds(1), () -> "timed out"));
        assertThat(r).isEqualTo("result 7");
        Channel<String> out = Channel.rendezvous(); // nobody receives
        boolean sent = Select.selectOrElse(() -> false, out.onSend("item", () -> true));
        assertThat(sent).isFalse();
    }

    @Test
    void contextDeadlines() throws Exception {
        Channel<String> jobs = Channel.bounded(1);
        jobs.send("fills it");
        assertThatThrownBy(() -> {
            try (var ctx = Context.background().withTimeout(Duration.ofMillis(50)).withCancel()) {
                jobs.send("job", ctx);
            }
        }).isInstanceOf(DeadlineExceededException.class);
    }

    @Test
    void watermarksWithHysteresisAndLittlesLaw() throws Exception {
        int q = WorkerPool.maxQueueFor(80, Duration.ofMillis(100), 8, Duration.ofMillis(200));
        assertThat(q).isEqualTo(8);
        WorkerPool pool = WorkerPool.builder().name("ingest").workers(1).queueCapacity(100).shedAbove(80).resumeBelow(40).build();
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        Job blocked = gate::await;
        for (int i = 0; i < 81; i++) {
            pool.trySubmit(blocked);
        }
        assertThatThrownBy(() -> pool.submit(blocked)).isInstanceOf(BusyException.class);
        assertThat(pool.isShedding()).isTrue();
        gate.countDown();
        DrainReport r = pool.drain(Duration.ofSeconds(10));
        assertThat(r.terminated()).isTrue();
        assertThat(pool.abort()).isEmpty();
    }

    @Test
    void fastRejectsAtTheEdge() {
        AdmissionControl admission = AdmissionControl.builder()
                .limit(AimdLimit.builder().initialLimit(16).build()).waitBudget(Duration.ofMillis(100))
                .perClientRate(50, Duration.ofSeconds(1), 50).clientKeyHeader("X-Client-Id")
                .maxBodyBytes(1 << 20).bodyReadBudget(Duration.ofSeconds(5)).build();
        assertThat(admission.servletFilter()).isNotNull();
        assertThat(admission.jettyHandler()).isNotNull();
        admission.close();
    }

    @Test
    void rateLimitsAndRetriesThatCannotStorm() throws Exception {
        TokenBucket bucket = TokenBucket.builder().rate(100, Duration.ofSeconds(1)).burst(10).build();
        RetryBudget budget = RetryBudget.builder().ratio(0.1).build();
        RetryPolicy retry = RetryPolicy.builder().maxAttempts(4).initialDelay(Duration.ofMillis(1)).budget(budget).build();
        AtomicInteger calls = new AtomicInteger();
        String body = retry.call(Context.background(), c -> {
            bucket.acquire(c, 1);
            if (calls.incrementAndGet() < 2) {
                throw new BusyException("try again");
            }
            return "ok";
        });
        assertThat(body).isEqualTo("ok");
        assertThat(bucket.nanosUntilAvailable(1)).isNotNegative();
    }

    @Test
    void adaptiveConcurrencyLimits() throws Exception {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder()
                .limit(AimdLimit.builder().initialLimit(20).minLimit(1).maxLimit(200).build())
                .discipline(Discipline.LIFO_CODEL).build();
        try (Permit p = limiter.acquire(Context.background())) {
            assertThat(limiter.inflight()).isEqualTo(1);
        }
        assertThat(limiter.inflight()).isZero();
    }

    @Test
    void creditBasedFlowControl() throws Exception {
        Channel<String> events = Channel.bounded(4);
        Flow.Publisher<String> pub = FlowAdapters.toPublisher(events);
        assertThat(pub).isNotNull();
        Channel<String> inbox = Channel.bounded(256);
        try (SubmissionPublisher<String> upstream = new SubmissionPublisher<>()) {
            upstream.subscribe(FlowAdapters.toSubscriber(inbox));
            upstream.submit("hello");
        }
        assertThat(inbox.receive(Duration.ofSeconds(5))).isEqualTo("hello");
    }

    @Test
    void pipelinesAndBatching() throws Exception {
        List<Integer> stored = new ArrayList<>();
        RunningPipeline p = Pipeline.from(List.of("1", "2", "3"))
                .map("parse", Integer::parseInt)
                .mapParallel("enrich", 4, true, n -> n * 10)
                .to("store", stored::add).start(Context.background());
        p.await();
        assertThat(stored).containsExactly(10, 20, 30);

        List<Integer> sizes = new ArrayList<>();
        Pipeline.from(List.of(1, 2, 3, 4, 5))
                .batch("batch", 2, Duration.ofMillis(5))
                .to("write", rows -> sizes.add(rows.size()))
                .run(Context.background());
        assertThat(sizes).containsExactly(2, 2, 1);
    }

    @Test
    void slowSubscribersAndLatestValueWins() throws Exception {
        Broadcaster<String> room = Broadcaster.<String>builder().maxSubscribers(1_000).build();
        Subscription<String> sub = room.subscribe("ann", 256, SlowSubscriberPolicy.DISCONNECT);
        room.publish("hi");
        assertThat(sub.tryReceive()).isEqualTo("hi");
        room.close();
        Latest<Integer> price = Latest.create();
        price.set(42);
        assertThat(price.awaitNewer(0, Context.background()).value()).isEqualTo(42);
    }

    @Test
    void spillToDisk() throws Exception {
        SpillChannel<String> orders = SpillChannel.<String>builder()
                .directory(tmp.resolve("orders")).serializer(SpillSerializer.utf8())
                .memoryCapacity(2).diskQuota(8L << 20).segmentSize(1L << 20).whenDiskFull(Overflow.BLOCK).build();
        for (int i = 0; i < 5; i++) {
            orders.send("order " + i); // three of them go to disk
        }
        assertThat(orders.receive()).isEqualTo("order 0");
        orders.close();
    }
}
