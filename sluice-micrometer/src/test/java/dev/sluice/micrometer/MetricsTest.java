package dev.sluice.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.channel.Channel;
import dev.sluice.channel.Overflow;
import dev.sluice.http.AdmissionControl;
import dev.sluice.limit.AimdLimit;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Permit;
import dev.sluice.limit.TokenBucket;
import dev.sluice.pool.WorkerPool;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each binder is bound to a {@link SimpleMeterRegistry} and to a Prometheus registry at once; real traffic
 * is driven through the component, and both the meters' values and the Prometheus exposition text must
 * show it.
 */
@Timeout(30)
class MetricsTest {

    private SimpleMeterRegistry simple;
    private PrometheusMeterRegistry prometheus;

    @BeforeEach
    void registries() {
        simple = new SimpleMeterRegistry();
        prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    @AfterEach
    void close() {
        simple.close();
        prometheus.close();
    }

    private void bind(MeterBinder binder) {
        binder.bindTo(simple);
        binder.bindTo(prometheus);
    }

    private double gauge(String meter, String name) {
        return simple.get(meter).tag("name", name).gauge().value();
    }

    private double counter(String meter, String name) {
        return simple.get(meter).tag("name", name).functionCounter().count();
    }

    @Test
    void channelMetersShowDepthFillCountersAndBlockedTime() throws Exception {
        Channel<Integer> ch = Channel.<Integer>builder().capacity(4).name("jobs").build();
        bind(new ChannelMetrics(ch));
        for (int i = 0; i < 4; i++) {
            assertThat(ch.trySend(i)).isTrue();
        }
        assertThat(ch.trySend(99)).isFalse(); // full: rejected
        Thread blocked = Thread.ofPlatform().start(() -> {
            try {
                ch.send(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        until("the sender is blocked", () -> blocked.getState() == Thread.State.WAITING);
        assertThat(ch.tryReceive()).isZero();
        blocked.join(5_000);
        assertThat(ch.tryReceive()).isEqualTo(1);

        assertThat(gauge("sluice.channel.depth", "jobs")).isEqualTo(3.0);
        assertThat(gauge("sluice.channel.capacity", "jobs")).isEqualTo(4.0);
        assertThat(gauge("sluice.channel.fill.ratio", "jobs")).isEqualTo(0.75);
        assertThat(gauge("sluice.channel.high.water.mark", "jobs")).isEqualTo(4.0);
        assertThat(counter("sluice.channel.sent", "jobs")).isEqualTo(5.0);
        assertThat(counter("sluice.channel.received", "jobs")).isEqualTo(2.0);
        assertThat(counter("sluice.channel.rejected", "jobs")).isEqualTo(1.0);
        assertThat(counter("sluice.channel.dropped", "jobs")).isZero();
        var timer = simple.get("sluice.channel.blocked").tag("name", "jobs").functionTimer();
        assertThat(timer.count()).isEqualTo(1.0);
        assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).isPositive();

        String text = prometheus.scrape();
        assertThat(text).contains("sluice_channel_depth{name=\"jobs\"} 3.0");
        assertThat(text).contains("sluice_channel_capacity{name=\"jobs\"} 4.0");
        assertThat(text).contains("sluice_channel_fill_ratio{name=\"jobs\"} 0.75");
        assertThat(text).contains("sluice_channel_sent_total{name=\"jobs\"} 5.0");
        assertThat(text).contains("sluice_channel_received_total{name=\"jobs\"} 2.0");
        assertThat(text).contains("sluice_channel_rejected_total{name=\"jobs\"} 1.0");
        assertThat(text).contains("sluice_channel_blocked_seconds_count{name=\"jobs\"} 1");
        assertThat(text).contains("sluice_channel_blocked_seconds_sum{name=\"jobs\"} ");
    }

    @Test
    void droppingAndRendezvousChannelsReportDropsAndAZeroFillRatio() {
        Channel<Integer> dropping = Channel.<Integer>builder().capacity(2).overflow(Overflow.DROP_OLDEST).name("latest").build();
        Channel<Integer> rendezvous = Channel.<Integer>builder().capacity(0).name("handoff").build();
        bind(new ChannelMetrics(dropping));
        bind(new ChannelMetrics(rendezvous));
        for (int i = 0; i < 5; i++) {
            dropping.trySend(i);
        }
        assertThat(rendezvous.trySend(1)).isFalse(); // nobody receiving
        assertThat(counter("sluice.channel.dropped", "latest")).isEqualTo(3.0);
        assertThat(gauge("sluice.channel.fill.ratio", "latest")).isEqualTo(1.0);
        assertThat(gauge("sluice.channel.fill.ratio", "handoff")).isZero();
        assertThat(counter("sluice.channel.rejected", "handoff")).isEqualTo(1.0);
        assertThat(prometheus.scrape()).contains("sluice_channel_dropped_total{name=\"latest\"} 3.0")
                .contains("sluice_channel_fill_ratio{name=\"handoff\"} 0.0");
    }

    @Test
    void workerPoolMetersShowQueueInFlightAndOutcomes() throws Exception {
        WorkerPool pool = WorkerPool.builder().name("work").workers(1).queueCapacity(2).build();
        bind(new WorkerPoolMetrics(pool));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> running = pool.submit(() -> {
            started.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> failing = pool.submit(() -> {
            throw new IllegalStateException("job fails on purpose");
        });
        CompletableFuture<Void> queued = pool.submit(() -> { });
        assertThat(pool.trySubmit(() -> { })).isFalse(); // queue full

        assertThat(gauge("sluice.pool.queue.depth", "work")).isEqualTo(2.0);
        assertThat(gauge("sluice.pool.queue.capacity", "work")).isEqualTo(2.0);
        assertThat(gauge("sluice.pool.in.flight", "work")).isEqualTo(3.0);
        assertThat(gauge("sluice.pool.running", "work")).isEqualTo(1.0);
        assertThat(gauge("sluice.pool.workers", "work")).isEqualTo(1.0);
        assertThat(counter("sluice.pool.rejected", "work")).isEqualTo(1.0);
        assertThat(prometheus.scrape()).contains("sluice_pool_queue_depth{name=\"work\"} 2.0");

        release.countDown();
        running.get(5, TimeUnit.SECONDS);
        queued.get(5, TimeUnit.SECONDS);
        assertThat(failing).failsWithin(Duration.ofSeconds(5));
        pool.drain(Duration.ofSeconds(5));

        assertThat(counter("sluice.pool.submitted", "work")).isEqualTo(4.0);
        assertThat(counter("sluice.pool.accepted", "work")).isEqualTo(3.0);
        assertThat(counter("sluice.pool.completed", "work")).isEqualTo(2.0);
        assertThat(counter("sluice.pool.failed", "work")).isEqualTo(1.0);
        assertThat(gauge("sluice.pool.in.flight", "work")).isZero();
        String text = prometheus.scrape();
        assertThat(text).contains("sluice_pool_completed_total{name=\"work\"} 2.0");
        assertThat(text).contains("sluice_pool_failed_total{name=\"work\"} 1.0");
        assertThat(text).contains("sluice_pool_rejected_total{name=\"work\"} 1.0");
        assertThat(text).contains("sluice_pool_queue_depth{name=\"work\"} 0.0");
        assertThat(text).contains("sluice_pool_submit_blocked_time_seconds_total{name=\"work\"} 0.0");
    }

    @Test
    void limiterAndBucketMetersShowLimitInFlightWaitingAndTokens() throws Exception {
        ConcurrencyLimiter limiter = ConcurrencyLimiter.builder().name("db").limit(2).build();
        ConcurrencyLimiter adaptive = ConcurrencyLimiter.builder().name("adaptive")
                .limit(AimdLimit.builder().initialLimit(10).maxLimit(20).backoffRatio(0.9).build()).build();
        bind(new ConcurrencyLimiterMetrics(adaptive));
        TokenBucket bucket = TokenBucket.builder().rate(1, Duration.ofMinutes(1)).burst(5).build();
        bind(new ConcurrencyLimiterMetrics(limiter));
        bind(new TokenBucketMetrics("api", bucket));

        Permit a = limiter.acquire();
        Permit b = limiter.acquire();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                limiter.acquire().close();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        until("a caller waits", () -> limiter.waiting() == 1);
        assertThat(gauge("sluice.limiter.limit", "db")).isEqualTo(2.0);
        assertThat(gauge("sluice.limiter.in.flight", "db")).isEqualTo(2.0);
        assertThat(gauge("sluice.limiter.waiting", "db")).isEqualTo(1.0);
        assertThat(prometheus.scrape()).contains("sluice_limiter_waiting{name=\"db\"} 1.0")
                .contains("sluice_limiter_in_flight{name=\"db\"} 2.0");
        a.close();
        b.close();
        waiter.join(5_000);
        assertThat(gauge("sluice.limiter.in.flight", "db")).isZero();
        assertThat(gauge("sluice.limiter.waiting", "db")).isZero();

        assertThat(gauge("sluice.limiter.limit", "adaptive")).isEqualTo(10.0);
        adaptive.acquire().releaseDropped(); // overload: the adaptive limit shrinks, and the gauge shows it
        assertThat(gauge("sluice.limiter.limit", "adaptive")).isEqualTo(adaptive.limit()).isEqualTo(9.0);

        assertThat(bucket.tryAcquire(3)).isTrue();
        assertThat(gauge("sluice.bucket.available.tokens", "api")).isEqualTo(2.0);
        assertThat(gauge("sluice.bucket.burst", "api")).isEqualTo(5.0);
        assertThat(prometheus.scrape()).contains("sluice_bucket_available_tokens{name=\"api\"} 2.0")
                .contains("sluice_limiter_limit{name=\"db\"} 2.0")
                .contains("sluice_limiter_limit{name=\"adaptive\"} 9.0");
    }

    @Test
    void admissionControlMetersCountEachOutcomeOfRealRequests() throws Exception {
        AdmissionControl admission = AdmissionControl.builder().name("front").limit(4)
                .perClientRate(2, Duration.ofMinutes(1), 2).maxClientKeys(100).build();
        bind(new AdmissionControlMetrics(admission));
        Server server = new Server(new QueuedThreadPool(16, 2, 30_000, new ArrayBlockingQueue<>(64)));
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(admission.jettyHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Sink.write(response, true, "ok", callback);
                return true;
            }
        }));
        server.start();
        try {
            int port = connector.getLocalPort();
            assertThat(status(port, "")).isEqualTo(200);
            assertThat(status(port, "Request-Timeout: soon\r\n")).isEqualTo(400);
            assertThat(status(port, "Request-Timeout: 0\r\n")).isEqualTo(504);
            assertThat(status(port, "")).isEqualTo(200);
            assertThat(status(port, "")).isEqualTo(429); // the bucket of 2 is empty now
        } finally {
            server.stop();
        }
        assertThat(counter("sluice.http.requests", "front")).isEqualTo(5.0);
        assertThat(counter("sluice.http.admitted", "front")).isEqualTo(2.0);
        assertThat(simple.get("sluice.http.rejected").tags("name", "front", "reason", "rate").functionCounter().count())
                .isEqualTo(1.0);
        assertThat(simple.get("sluice.http.route.limit").tags("name", "front", "route", "default").gauge().value())
                .isEqualTo(4.0);
        String text = prometheus.scrape();
        assertThat(text).contains("sluice_http_requests_total{name=\"front\"} 5.0");
        assertThat(text).contains("sluice_http_admitted_total{name=\"front\"} 2.0");
        assertThat(text).contains("sluice_http_rejected_total{name=\"front\",reason=\"rate\",status=\"429\"} 1.0");
        assertThat(text).contains("sluice_http_rejected_total{name=\"front\",reason=\"bad_request\",status=\"400\"} 1.0");
        assertThat(text).contains("sluice_http_rejected_total{name=\"front\",reason=\"deadline\",status=\"504\"} 1.0");
        assertThat(text).contains("sluice_http_rejected_total{name=\"front\",reason=\"busy\",status=\"503\"} 0.0");
        assertThat(text).contains("sluice_http_in_flight{name=\"front\"} 0.0");
        assertThat(text).contains("sluice_http_wait_seconds_count{name=\"front\"} 0");
        assertThat(text).contains("sluice_http_route_limit{name=\"front\",route=\"default\"} 4.0");
        assertThat(text).contains("sluice_keyed_keys{name=\"front.clients\"} 1.0");
    }

    private static int status(int port, String extraHeaders) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extraHeaders + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    private static void until(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(200_000L);
        }
    }

}
